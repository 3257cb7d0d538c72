//! Shannon entropy of a string, in bits per character: random keys score high (≥ 3.5),
//! words and placeholders low.

pub(super) fn shannon(text: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut total = 0u32;
    for b in text.bytes() {
        counts[usize::from(b)] += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let n = f64::from(total);
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum::<f64>()
        .max(0.0)
}

#[cfg(test)]
mod tests {
    use super::shannon;

    #[test]
    fn random_scores_higher_than_words() {
        assert!(shannon("q8Zr1VfK3xLp9sT2wYb6") > 4.0);
        assert!(shannon("changeme") < 3.0);
        assert!(shannon("aaaaaaaaaaaa") < 0.1);
        assert!(shannon("").abs() < f64::EPSILON);
    }
}
