//! Vendor checksums and structures that tell a real token from one of the same shape: GitHub's
//! and npm's CRC32 suffix, PyPI's macaroon, and the base64 decoding JWTs need.

/// CRC-32 (IEEE), as GitHub and npm compute their token checksums.
pub(super) fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `n` in base 62, left-padded with `0` to six characters.
pub(super) fn base62_6(mut n: u32) -> String {
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) or npm (`npm_`) token whose last six
/// characters are the base-62 CRC-32 of the thirty before them.
pub(super) fn crc32_suffix_ok(token: &str) -> bool {
    let Some((_, body)) = token.split_once('_') else {
        return false;
    };
    if body.len() != 36 || !body.is_ascii() {
        return false;
    }
    let (random, check) = body.split_at(30);
    base62_6(crc32(random.as_bytes())) == check
}

/// Decodes base64 in either alphabet (standard or URL-safe), padded or not.
pub(super) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xFF).unwrap_or(0));
        }
    }
    Some(out)
}

/// A PyPI upload token: `pypi-` and a version-2 macaroon whose location is PyPI or TestPyPI and
/// which ends with its signature.
pub(super) fn pypi_macaroon_ok(token: &str) -> bool {
    let Some(body) = token.strip_prefix("pypi-") else {
        return false;
    };
    let Some(bytes) = base64_decode(body) else {
        return false;
    };
    // Version 2, then the location field (type 1), its length and the host.
    if bytes.len() < 4 || bytes[0] != 2 || bytes[1] != 1 {
        return false;
    }
    let len = usize::from(bytes[2]);
    let Some(location) = bytes.get(3..3 + len) else {
        return false;
    };
    // It ends with the signature field: type 6, 32 bytes.
    let n = bytes.len();
    (location == b"pypi.org" || location == b"test.pypi.org")
        && n > 3 + len + 34
        && bytes[n - 34] == 6
        && bytes[n - 33] == 32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(base62_6(0), "000000");
        assert_eq!(base62_6(61), "00000z");
    }

    #[test]
    fn a_token_with_its_checksum_passes_and_one_changed_character_fails() {
        let random = "R7c2mB0tLwQ9xZ4vK1pN8sD3fG6hJ5";
        let token = format!("ghp_{random}{}", base62_6(crc32(random.as_bytes())));
        assert!(crc32_suffix_ok(&token));
        let changed = token.replacen('R', "S", 1);
        assert!(!crc32_suffix_ok(&changed));
    }

    #[test]
    fn base64_decodes_both_alphabets() {
        assert_eq!(
            base64_decode("eyJhbGciOiJIUzI1NiJ9").unwrap(),
            br#"{"alg":"HS256"}"#
        );
        assert_eq!(base64_decode("-_8").unwrap(), vec![0xFB, 0xFF]);
        assert!(base64_decode("a b").is_none());
    }
}
