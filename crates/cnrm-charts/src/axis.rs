//! The count axis: a round upper end and round ticks, so that bars can be read against gridlines.

/// A count axis from 0 to `max`, with a tick every `step` (1, 2 or 5 times a power of ten, about five
/// ticks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scale {
    pub(crate) max: u64,
    pub(crate) step: u64,
}

impl Scale {
    /// The axis for values up to `largest` (all zeros: a 0–1 axis).
    pub(crate) fn for_largest(largest: u64) -> Scale {
        if largest == 0 {
            return Scale { max: 1, step: 1 };
        }
        let wanted = largest.div_ceil(5);
        let mut power = 1u64;
        let step = loop {
            if let Some(&step) = [power, 2 * power, 5 * power].iter().find(|&&s| s >= wanted) {
                break step;
            }
            power *= 10;
        };
        Scale { max: largest.div_ceil(step) * step, step }
    }

    pub(crate) fn ticks(self) -> impl Iterator<Item = u64> {
        (0..=self.max).step_by(self.step as usize)
    }

    /// Where a value falls along the axis, from 0 to 1.
    pub(crate) fn fraction(self, value: u64) -> f64 {
        value as f64 / self.max as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_ends_and_steps() {
        assert_eq!(Scale::for_largest(0), Scale { max: 1, step: 1 });
        assert_eq!(Scale::for_largest(3), Scale { max: 3, step: 1 });
        assert_eq!(Scale::for_largest(7), Scale { max: 8, step: 2 });
        assert_eq!(Scale::for_largest(42), Scale { max: 50, step: 10 });
        assert_eq!(Scale::for_largest(100), Scale { max: 100, step: 20 });
        assert_eq!(Scale::for_largest(1234), Scale { max: 1500, step: 500 });
        assert_eq!(Scale::for_largest(1234).ticks().collect::<Vec<_>>(), vec![0, 500, 1000, 1500]);
    }
}
