//! Finds the installed libbnn with the `pkg-config` program (no crates: the build must work
//! offline), so `PKG_CONFIG_PATH` pointing at an install prefix is all this crate needs.
//! `BNN_STATIC=1` links libbnn.a instead of the shared library.
use std::env;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    for var in [
        "PKG_CONFIG",
        "PKG_CONFIG_PATH",
        "PKG_CONFIG_LIBDIR",
        "PKG_CONFIG_SYSROOT_DIR",
        "BNN_STATIC",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let statically = env::var("BNN_STATIC").map(|v| v == "1").unwrap_or(false);
    let program = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());
    let mut cmd = Command::new(&program);
    if statically {
        cmd.arg("--static");
    }
    cmd.args(["--libs", "bnn"]);
    let output = match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!("could not run `{program}` to find libbnn: {e}; install pkg-config"),
    };
    if !output.status.success() {
        panic!(
            "`{program} --libs bnn` failed: {}\nInstall libbnn (cmake --install) and point \
             PKG_CONFIG_PATH at <prefix>/lib/pkgconfig.",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let flags = String::from_utf8(output.stdout).expect("pkg-config printed non-UTF-8 output");
    for flag in flags.split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={dir}");
        } else if let Some(lib) = flag.strip_prefix("-l") {
            let kind = if lib == "bnn" && statically {
                "static"
            } else {
                "dylib"
            };
            println!("cargo:rustc-link-lib={kind}={lib}");
        } else if flag == "-pthread" {
            println!("cargo:rustc-link-lib=dylib=pthread");
        }
    }
}
