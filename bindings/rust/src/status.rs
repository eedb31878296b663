//! Status codes. The table below must match the X-macro list in `include/bnn/bnn_status.h`
//! (name, value, message); `tests/status_list.rs` parses that header and compares.

macro_rules! statuses {
    ($($variant:ident = $value:literal, $c_name:literal, $message:literal;)*) => {
        /// A libbnn status code (`bnn_status`). Values are pinned by the C library.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Status {
            $(#[doc = $message] $variant,)*
            /// A code this version of the bindings does not know (a newer library).
            Unknown(i32),
        }

        /// Every known status as (status, C name without `BNN_STATUS_`, value, message), in
        /// the order of `bnn_status.h`.
        pub const STATUS_TABLE: &[(Status, &str, i32, &str)] =
            &[$((Status::$variant, $c_name, $value, $message),)*];

        impl Status {
            /// The C value.
            pub fn code(self) -> i32 {
                match self {
                    $(Status::$variant => $value,)*
                    Status::Unknown(v) => v,
                }
            }

            /// The status with C value `code` (`Unknown` for codes this crate does not list).
            pub fn from_code(code: i32) -> Status {
                match code {
                    $($value => Status::$variant,)*
                    other => Status::Unknown(other),
                }
            }
        }
    };
}

statuses! {
    Ok = 0, "OK", "ok";
    InvalidArgument = 1, "INVALID_ARGUMENT", "invalid argument";
    OutOfRange = 2, "OUT_OF_RANGE", "value out of range";
    ShapeMismatch = 3, "SHAPE_MISMATCH", "shape mismatch";
    InvalidState = 4, "INVALID_STATE", "invalid state (wrong call order or released handle)";
    Unsupported = 5, "UNSUPPORTED", "unsupported operation or configuration";
    UnsupportedHardware = 6, "UNSUPPORTED_HARDWARE", "the CPU lacks the requested instruction set";
    OutOfMemory = 7, "OUT_OF_MEMORY", "out of memory";
    Io = 8, "IO", "input/output error";
    CorruptData = 9, "CORRUPT_DATA", "corrupt or foreign data";
    Numeric = 10, "NUMERIC", "numeric fault (NaN or Inf)";
    Internal = 11, "INTERNAL", "internal error";
    BufferTooSmall = 12, "BUFFER_TOO_SMALL", "output buffer too small";
    Cancelled = 13, "CANCELLED", "cancelled by a callback";
}

impl Status {
    /// The symbolic name as the C library spells it, without prefix ("OUT_OF_RANGE").
    pub fn name(self) -> &'static str {
        STATUS_TABLE
            .iter()
            .find(|entry| entry.0 == self)
            .map(|entry| entry.1)
            .unwrap_or("UNKNOWN")
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Unknown(v) => write!(f, "UNKNOWN({v})"),
            s => f.write_str(s.name()),
        }
    }
}
