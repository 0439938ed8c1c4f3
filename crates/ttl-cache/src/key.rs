//! Keys as bytes: a type byte, then the key's content, so that the string "1" and the
//! number 1 stay two keys, as they are in a JavaScript `Map`.

const STRING: u8 = b's';
const NUMBER: u8 = b'n';
const BYTES: u8 = b'b';

/// A decoded key, for `keys()` and `entries()`.
pub enum Key<'a> {
    String(&'a str),
    Number(f64),
    Bytes(&'a [u8]),
}

/// Writes the encoded key into `out`, reusing its allocation between calls.
pub fn encode_string(out: &mut Vec<u8>, key: &str) {
    out.clear();
    out.push(STRING);
    out.extend_from_slice(key.as_bytes());
}

pub fn encode_number(out: &mut Vec<u8>, key: f64) {
    // SameValueZero, as `Map` compares: -0 is 0, and every NaN is one key.
    let canonical = if key == 0.0 {
        0.0
    } else if key.is_nan() {
        f64::NAN
    } else {
        key
    };
    out.clear();
    out.push(NUMBER);
    out.extend_from_slice(&canonical.to_bits().to_le_bytes());
}

pub fn encode_bytes(out: &mut Vec<u8>, key: &[u8]) {
    out.clear();
    out.push(BYTES);
    out.extend_from_slice(key);
}

pub fn decode(encoded: &[u8]) -> Key<'_> {
    let (kind, rest) = encoded
        .split_first()
        .expect("an encoded key has a type byte");
    match *kind {
        STRING => Key::String(std::str::from_utf8(rest).expect("string keys are stored as UTF-8")),
        NUMBER => {
            let bits: [u8; 8] = rest.try_into().expect("number keys are 8 bytes");
            Key::Number(f64::from_bits(u64::from_le_bytes(bits)))
        }
        _ => Key::Bytes(rest),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_and_string_forms_of_one_digit_are_distinct() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        encode_string(&mut a, "1");
        encode_number(&mut b, 1.0);
        assert_ne!(a, b);
    }

    #[test]
    fn negative_zero_and_nan_follow_same_value_zero() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        encode_number(&mut a, -0.0);
        encode_number(&mut b, 0.0);
        assert_eq!(a, b);
        encode_number(&mut a, f64::NAN);
        encode_number(&mut b, -f64::NAN);
        assert_eq!(a, b);
    }

    #[test]
    fn decode_round_trips_each_kind() {
        let mut out = Vec::new();
        encode_string(&mut out, "héllo");
        assert!(matches!(decode(&out), Key::String("héllo")));
        encode_number(&mut out, 2.5);
        assert!(matches!(decode(&out), Key::Number(n) if n == 2.5));
        encode_bytes(&mut out, &[1, 2, 3]);
        assert!(matches!(decode(&out), Key::Bytes(&[1, 2, 3])));
    }
}
