//! Process-wide settings, in their own test binary so that they do not disturb other tests.
use bnn::Status;

#[test]
fn isa_can_be_forced_and_restored() {
    assert!(!bnn::isa().is_empty());
    assert!(bnn::isa_supported("scalar"));
    let e = bnn::set_isa("z80").unwrap_err();
    assert_eq!(e.status(), Status::InvalidArgument);
    assert!(!e.message().is_empty());
    bnn::set_isa("scalar").unwrap();
    assert_eq!(bnn::isa(), "scalar");
    bnn::set_isa("auto").unwrap();
    if !bnn::isa_supported("neon") {
        assert_eq!(
            bnn::set_isa("neon").unwrap_err().status(),
            Status::UnsupportedHardware
        );
    }
}

#[test]
fn thread_count() {
    assert_eq!(
        bnn::set_num_threads(-1).unwrap_err().status(),
        Status::OutOfRange
    );
    bnn::set_num_threads(2).unwrap();
    assert_eq!(bnn::num_threads(), 2);
    bnn::set_num_threads(0).unwrap();
}
