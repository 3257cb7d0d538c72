//! The one way sfp reads a length of time in its config files: a whole number and a unit, `500ms`,
//! `10s`, `2m`, `12h` or `7d` (`min` is also read for minutes). A bare number is refused, because
//! it once meant milliseconds in some keys and seconds in others: the error names the two
//! spellings of that number. `0` alone is read as zero (it is the same in every unit).

use std::time::Duration;

use serde::Deserializer;
use serde::de::{self, Visitor};

use super::ConfigError;

/// Reads `500ms`, `10s`, `2m`, `12h`, `7d` (spaces around the unit allowed), or `0`.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, ConfigError> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().map_err(|_| ConfigError::NotADuration {
        text: text.to_owned(),
    })?;
    let ms = match unit.trim() {
        "" if n == 0 => Some(0),
        "" => return Err(ConfigError::BareNumber(n)),
        "ms" => Some(n),
        "s" => n.checked_mul(1_000),
        "m" | "min" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        "d" => n.checked_mul(86_400_000),
        other => {
            return Err(ConfigError::UnknownUnit {
                unit: other.to_owned(),
                text: text.to_owned(),
            });
        }
    };
    ms.map(Duration::from_millis)
        .ok_or_else(|| ConfigError::TooLong {
            text: text.to_owned(),
        })
}

/// The shortest spelling [`parse_duration`] reads back as `d` (whole milliseconds).
pub(crate) fn format_duration(d: Duration) -> String {
    let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    if ms == 0 {
        return "0s".to_owned();
    }
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
    ] {
        if ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

/// For `#[serde(deserialize_with = "crate::config::duration")]` on a [`Duration`] field.
pub(crate) fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = Duration;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a duration with a unit, like 500ms, 10s, 2m, 12h or 7d")
        }
        fn visit_u64<E: de::Error>(self, n: u64) -> Result<Duration, E> {
            if n == 0 {
                return Ok(Duration::ZERO);
            }
            Err(E::custom(ConfigError::BareNumber(n)))
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> Result<Duration, E> {
            match u64::try_from(n) {
                Ok(n) => self.visit_u64(n),
                Err(_) => Err(E::custom(ConfigError::NotADuration {
                    text: n.to_string(),
                })),
            }
        }
        fn visit_f64<E: de::Error>(self, n: f64) -> Result<Duration, E> {
            Err(E::custom(ConfigError::NotADuration {
                text: n.to_string(),
            }))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
            parse_duration(v).map_err(E::custom)
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_one_unit() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration(" 2 m "), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("2min"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert!(matches!(
            parse_duration("3w"),
            Err(ConfigError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse_duration("soon"),
            Err(ConfigError::NotADuration { .. })
        ));
        assert!(matches!(
            parse_duration("s"),
            Err(ConfigError::NotADuration { .. })
        ));
        assert!(matches!(
            parse_duration("99999999999999999d"),
            Err(ConfigError::TooLong { .. })
        ));
    }

    #[derive(Debug, serde::Deserialize)]
    struct T {
        #[serde(deserialize_with = "duration")]
        t: Duration,
    }

    #[test]
    fn a_bare_number_is_refused_with_its_two_spellings() {
        let e = parse_duration("30000").unwrap_err();
        assert_eq!(e, ConfigError::BareNumber(30_000));
        assert_eq!(
            e.to_string(),
            "`30000` has no unit: write 30000ms or 30s (a duration takes ms, s, m, h or d)"
        );
        assert_eq!(
            ConfigError::BareNumber(90).to_string(),
            "`90` has no unit: write 90ms or 90s (a duration takes ms, s, m, h or d)"
        );
        let e = serde_yaml::from_str::<T>("t: 30000")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t: `30000` has no unit: write 30000ms or 30s"),
            "{e}"
        );
        assert_eq!(serde_yaml::from_str::<T>("t: 0").unwrap().t, Duration::ZERO);
        assert_eq!(
            serde_yaml::from_str::<T>("t: 2m").unwrap().t,
            Duration::from_secs(120)
        );
        assert!(serde_yaml::from_str::<T>("t: -5").is_err());
        assert!(serde_yaml::from_str::<T>("t: 1.5").is_err());
    }

    #[test]
    fn formatting_reads_back() {
        for ms in [
            0,
            1,
            300,
            2_000,
            5_000,
            90_000,
            3_600_000,
            43_200_000,
            172_800_000,
        ] {
            let d = Duration::from_millis(ms);
            assert_eq!(parse_duration(&format_duration(d)), Ok(d), "{ms}");
        }
        assert_eq!(format_duration(Duration::from_millis(2_500)), "2500ms");
        assert_eq!(format_duration(Duration::from_millis(300)), "300ms");
        assert_eq!(format_duration(Duration::from_secs(86_400 * 3)), "3d");
    }
}
