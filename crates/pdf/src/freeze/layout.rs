//! Fitting text into a box without ever adding a page: the text keeps its size when it fits on
//! one line, else shrinks in half-point steps down to the minimum size, then wraps (breaking
//! between characters, as Chinese text does) at the largest size whose lines all fit the box.
//! A text that does not fit even wrapped at the minimum size is refused, never drawn outside.

/// Distance between baselines, in font sizes.
pub const LINE_HEIGHT: f32 = 1.2;
/// Part of the font size above the baseline (the rest is below).
pub const ASCENT: f32 = 0.88;
/// How much the size drops per try.
pub const STEP: f32 = 0.5;

/// Text laid out in a box.
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    pub size: f32,
    pub lines: Vec<String>,
}

/// The sizes tried, largest first: `size`, `size - STEP`, …, `min_size`.
fn sizes(size: f32, min_size: f32) -> impl Iterator<Item = f32> {
    let mut next = Some(size);
    std::iter::from_fn(move || {
        let current = next?;
        next = if current <= min_size {
            None
        } else {
            Some((current - STEP).max(min_size))
        };
        Some(current)
    })
}

/// Height of `lines` lines at `size`.
#[expect(clippy::cast_precision_loss, reason = "a handful of lines")]
pub fn block_height(lines: usize, size: f32) -> f32 {
    size + lines.saturating_sub(1) as f32 * size * LINE_HEIGHT
}

/// Greedy wrap of `text` into lines at most `width` wide; `None` when one character is wider.
pub fn wrap(text: &str, width: f32, measure: &dyn Fn(&str) -> f32) -> Option<Vec<String>> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for c in text.chars() {
        let mut candidate = line.clone();
        candidate.push(c);
        if measure(&candidate) <= width {
            line = candidate;
            continue;
        }
        if line.is_empty() {
            return None;
        }
        lines.push(std::mem::take(&mut line).trim_end().to_owned());
        if c != ' ' {
            line.push(c);
            if measure(&line) > width {
                return None;
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Some(lines)
}

/// Fits `text` in a `w` × `h` box starting at `size`, never below `min_size`; `measure` gives
/// the width of a text at a size.
pub fn fit(
    text: &str,
    w: f32,
    h: f32,
    size: f32,
    min_size: f32,
    measure: &dyn Fn(&str, f32) -> f32,
) -> Option<Fitted> {
    if !(w > 0.0 && h > 0.0 && min_size > 0.0 && size >= min_size) {
        return None;
    }
    if text.is_empty() {
        return Some(Fitted {
            size,
            lines: Vec::new(),
        });
    }
    for s in sizes(size, min_size) {
        if s <= h && measure(text, s) <= w {
            return Some(Fitted {
                size: s,
                lines: vec![text.to_owned()],
            });
        }
    }
    for s in sizes(size, min_size) {
        if let Some(lines) = wrap(text, w, &|t| measure(t, s))
            && block_height(lines.len(), s) <= h
        {
            return Some(Fitted { size: s, lines });
        }
    }
    None
}

/// Baseline starts of the lines, left-aligned and centred vertically in the box whose
/// lower-left corner is (`x`, `y`) and height `h` (PDF coordinates, y upward).
pub fn baselines(fitted: &Fitted, x: f32, y: f32, h: f32) -> Vec<(f32, f32)> {
    let top = y + f32::midpoint(h, block_height(fitted.lines.len(), fitted.size));
    let first = top - fitted.size * ASCENT;
    (0..fitted.lines.len())
        .map(|i| {
            #[expect(clippy::cast_precision_loss, reason = "a handful of lines")]
            let down = i as f32 * fitted.size * LINE_HEIGHT;
            (x, first - down)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character one em wide.
    fn em(text: &str, size: f32) -> f32 {
        #[expect(clippy::cast_precision_loss, reason = "short strings")]
        let n = text.chars().count() as f32;
        n * size
    }

    #[test]
    fn short_text_keeps_its_size() {
        let f = fit("张三", 100.0, 20.0, 12.0, 7.0, &em).unwrap();
        assert_eq!(
            f,
            Fitted {
                size: 12.0,
                lines: vec!["张三".into()]
            }
        );
    }

    #[test]
    fn longer_text_shrinks_then_wraps_and_too_long_is_refused() {
        // 10 characters in 100 points: 10 pt on one line.
        let f = fit("一二三四五六七八九十", 100.0, 20.0, 12.0, 7.0, &em).unwrap();
        assert_eq!((f.size, f.lines.len()), (10.0, 1));
        // 20 characters: 5 pt on one line is below 7, so two lines; 2 lines at 8 pt need 17.6.
        let text = "一二三四五六七八九十一二三四五六七八九十";
        let f = fit(text, 100.0, 20.0, 12.0, 7.0, &em).unwrap();
        assert_eq!(f.lines.len(), 2);
        assert!(f.size >= 7.0 && block_height(2, f.size) <= 20.0);
        assert_eq!(f.lines.concat(), text);
        // 60 characters cannot fit 100 × 20 at 7 pt.
        assert!(fit(&text.repeat(3), 100.0, 20.0, 12.0, 7.0, &em).is_none());
    }

    #[test]
    fn sizes_step_down_to_the_minimum_exactly() {
        let all: Vec<f32> = sizes(8.25, 7.0).collect();
        assert_eq!(all, vec![8.25, 7.75, 7.25, 7.0]);
    }

    #[test]
    fn lines_are_centred_in_the_box() {
        let f = Fitted {
            size: 10.0,
            lines: vec!["a".into()],
        };
        let lines = baselines(&f, 5.0, 100.0, 30.0);
        assert_eq!(lines.len(), 1);
        let (x, y) = lines[0];
        assert!((x - 5.0).abs() < 1e-4);
        // Block of 10 centred in 30: top at 120, baseline 8.8 below.
        assert!((y - 111.2).abs() < 1e-4);
    }
}
