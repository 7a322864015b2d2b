//! The home page's rules: what a banner or announcement may be, and which are shown when.

use chrono::{DateTime, Utc};

use crate::refusal::{Field, Refusal};

/// Products in each list of the home page.
pub const LIST_LEN: usize = 12;
/// Most featured products.
pub const MAX_FEATURED: usize = 24;
/// Best sellers count units paid for over this many days.
pub const BEST_SELLER_DAYS: i64 = 30;
pub const MAX_TITLE: usize = 100;
pub const MAX_ALT: usize = 200;
pub const MAX_URL: usize = 2000;
pub const MAX_MESSAGE: usize = 500;
pub const MAX_POSITION: i32 = 1000;

/// A banner as the shop wants it.
#[derive(Debug, Clone)]
pub struct BannerTerms {
    pub title: String,
    pub image_url: String,
    pub alt: String,
    pub link_url: String,
    pub position: i32,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

fn one_line(text: &str, max: usize) -> bool {
    let chars = text.chars().count();
    chars > 0 && chars <= max && !text.chars().any(char::is_control)
}

/// An absolute `http(s)` URL or a path in the shop (`/sale`), without spaces or controls.
fn url_ok(url: &str) -> bool {
    url.len() <= MAX_URL
        && !url.chars().any(|c| c.is_control() || c.is_whitespace())
        && (url.starts_with("https://")
            || url.starts_with("http://")
            || (url.starts_with('/') && !url.starts_with("//")))
}

fn text(field: Field, what: &str, max: usize) -> Refusal {
    Refusal::InvalidValue(
        field,
        format!("{what} must be 1 to {max} characters on one line"),
    )
}

pub fn check_banner(mut terms: BannerTerms) -> Result<BannerTerms, Refusal> {
    terms.title = terms.title.trim().to_owned();
    terms.alt = terms.alt.trim().to_owned();
    let mut problems = Vec::new();
    if !one_line(&terms.title, MAX_TITLE) {
        problems.push(text(Field::Title, "title", MAX_TITLE));
    }
    for (field, url) in [
        (Field::ImageUrl, &terms.image_url),
        (Field::LinkUrl, &terms.link_url),
    ] {
        if !url_ok(url) {
            problems.push(Refusal::InvalidValue(
                field,
                "a URL must be http(s)://… or a path in the shop such as /sale".to_owned(),
            ));
        }
    }
    if !one_line(&terms.alt, MAX_ALT) {
        problems.push(text(Field::Alt, "alt", MAX_ALT));
    }
    if !(0..=MAX_POSITION).contains(&terms.position) {
        problems.push(Refusal::InvalidValue(
            Field::Position,
            format!("position must be 0 to {MAX_POSITION}"),
        ));
    }
    if let (Some(start), Some(end)) = (terms.starts_at, terms.ends_at)
        && end <= start
    {
        problems.push(Refusal::InvalidRange);
    }
    if problems.is_empty() {
        Ok(terms)
    } else {
        Err(Refusal::of_all(problems))
    }
}

/// The message as shown (trimmed), or why it cannot be.
pub fn check_announcement(
    message: &str,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> Result<String, Refusal> {
    let message = message.trim().to_owned();
    let mut problems = Vec::new();
    let chars = message.chars().count();
    if chars == 0 || chars > MAX_MESSAGE || message.chars().any(|c| c.is_control() && c != '\n') {
        problems.push(Refusal::InvalidValue(
            Field::Message,
            format!("message must be 1 to {MAX_MESSAGE} characters"),
        ));
    }
    if ends_at <= starts_at {
        problems.push(Refusal::InvalidRange);
    }
    if problems.is_empty() {
        Ok(message)
    } else {
        Err(Refusal::of_all(problems))
    }
}

/// Whether something with this window is on show at `now` (start inclusive, end exclusive).
pub fn live(
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    starts_at.is_none_or(|start| start <= now) && ends_at.is_none_or(|end| now < end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;
    use micromall_kit::DomainRefusal;

    fn banner() -> BannerTerms {
        BannerTerms {
            title: "Summer sale".into(),
            image_url: "https://images.example/summer.jpg".into(),
            alt: "People on a beach".into(),
            link_url: "/search?q=summer".into(),
            position: 1,
            starts_at: None,
            ends_at: None,
        }
    }

    #[test]
    fn banners_need_safe_links_and_words_for_the_image() {
        assert!(check_banner(banner()).is_ok());
        let bad = BannerTerms {
            title: " ".into(),
            image_url: "javascript:alert(1)".into(),
            alt: String::new(),
            link_url: "//evil.example".into(),
            position: -1,
            ..banner()
        };
        let codes: Vec<Option<String>> = check_banner(bad)
            .unwrap_err()
            .user_errors()
            .into_iter()
            .map(|e| e.field.map(|f| f[1].clone()))
            .collect();
        assert_eq!(
            codes,
            ["title", "imageUrl", "linkUrl", "alt", "position"].map(|f| Some(f.to_owned()))
        );
    }

    #[test]
    fn a_window_starts_inclusive_and_ends_exclusive() {
        let now = Utc::now();
        assert!(live(None, None, now));
        assert!(live(Some(now), Some(now + TimeDelta::seconds(1)), now));
        assert!(!live(Some(now + TimeDelta::seconds(1)), None, now));
        assert!(!live(None, Some(now), now));
        assert!(check_announcement("Down for maintenance", now, now).is_err());
        assert_eq!(
            check_announcement("  Back soon\n ", now, now + TimeDelta::hours(1)).unwrap(),
            "Back soon"
        );
    }
}
