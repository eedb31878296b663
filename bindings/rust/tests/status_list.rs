//! The Rust status table must be the X-macro list of include/bnn/bnn_status.h: same names, same
//! values, same messages, same order; and the library must agree at run time.
use bnn::{Status, STATUS_TABLE};

fn header_entries() -> Option<Vec<(String, i32, String)>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../include/bnn/bnn_status.h"
    );
    let text = std::fs::read_to_string(path).ok()?;
    let mut entries = Vec::new();
    for line in text.lines() {
        // Entries look like:   X(NAME, 3, "message")   \
        let line = line.trim().trim_end_matches('\\').trim();
        let Some(body) = line.strip_prefix("X(").and_then(|l| l.strip_suffix(')')) else {
            continue;
        };
        let mut parts = body.splitn(3, ',');
        let name = parts.next().unwrap().trim().to_string();
        let value: i32 = parts.next().unwrap().trim().parse().expect("status value");
        let message = parts.next().unwrap().trim().trim_matches('"').to_string();
        entries.push((name, value, message));
    }
    Some(entries)
}

#[test]
fn status_table_matches_bnn_status_h() {
    let Some(header) = header_entries() else {
        eprintln!(
            "bnn_status.h not found next to the crate (crate used outside the repo): skipped"
        );
        return;
    };
    assert!(header.len() >= 12, "parsed too few statuses: {header:?}");
    let ours: Vec<(String, i32, String)> = STATUS_TABLE
        .iter()
        .map(|(_, n, v, m)| (n.to_string(), *v, m.to_string()))
        .collect();
    assert_eq!(
        ours, header,
        "regenerate src/status.rs from include/bnn/bnn_status.h"
    );
}

#[test]
fn status_table_matches_the_library() {
    for &(status, name, value, message) in STATUS_TABLE {
        assert_eq!(status.code(), value);
        assert_eq!(Status::from_code(value), status);
        assert_eq!(status.name(), name);
        assert_eq!(bnn::status_message(status), message);
        // SAFETY: bnn_status_name returns a static string for any value.
        let lib_name = unsafe { std::ffi::CStr::from_ptr(bnn::sys::bnn_status_name(value)) };
        assert_eq!(lib_name.to_str().unwrap(), name);
    }
    assert_eq!(Status::from_code(999), Status::Unknown(999));
}
