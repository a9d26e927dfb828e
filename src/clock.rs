//! The wall clock, and how long ago something was, in words.

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// "2 min ago", "3 h ago", "never".
pub fn age(then: Option<i64>, now: i64) -> String {
    let Some(t) = then else { return "never".into() };
    let s = (now - t).max(0);
    match s {
        0..60 => "just now".into(),
        60..3600 => format!("{} min ago", s / 60),
        3600..86_400 => format!("{} h ago", s / 3600),
        _ => format!("{} d ago", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::age;

    #[test]
    fn ages_in_words() {
        assert_eq!(age(None, 5), "never");
        assert_eq!(age(Some(0), 150), "2 min ago");
        assert_eq!(age(Some(0), 7200), "2 h ago");
    }
}
