//! The pure rules of reviews: what a review may say, how a product's rating totals move,
//! what a helpful vote changes, and where a page of reviews continues. No I/O.

use micromall_kit::auth::Viewer;
use uuid::Uuid;

use crate::refusal::{Refusal, TextProblem};

/// Moderators hold this scope.
pub const MODERATE: &str = "reviews:moderate";

pub const MIN_RATING: i32 = 1;
pub const MAX_RATING: i32 = 5;
/// A title is one line: a headline, not a second body.
pub const MAX_TITLE_CHARS: usize = 150;
pub const MAX_BODY_CHARS: usize = 5_000;
pub const MAX_REPLY_CHARS: usize = 5_000;

/// Whether `viewer` may see a review by `author`: anyone while it is shown; once hidden, its
/// author and moderators only.
pub fn may_see(viewer: &Viewer, author: Uuid, hidden: bool) -> bool {
    !hidden || viewer.is_self_or(author, MODERATE)
}

/// A review as the customer wrote it, before any check.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    pub product_id: &'a str,
    pub rating: i32,
    pub title: &'a str,
    pub body: &'a str,
}

/// A review that passed every check on its own content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub product_id: Uuid,
    pub rating: i32,
    pub title: String,
    pub body: String,
}

/// Checks everything a review says at once: each problem is its own refusal.
pub fn check_draft(draft: &Draft<'_>) -> Result<Checked, Refusal> {
    let product_id = Uuid::parse_str(draft.product_id).map_err(|_| Refusal::ProductNotFound);
    let rating = check_rating(draft.rating);
    let title = check_title(draft.title);
    let body = check_body(draft.body);
    match (product_id, rating, title, body) {
        (Ok(product_id), Ok(rating), Ok(title), Ok(body)) => Ok(Checked {
            product_id,
            rating,
            title,
            body,
        }),
        (product_id, rating, title, body) => {
            let problems: Vec<Refusal> = [product_id.err(), rating.err(), title.err(), body.err()]
                .into_iter()
                .flatten()
                .collect();
            Err(Refusal::of_all(problems))
        }
    }
}

pub fn check_rating(rating: i32) -> Result<i32, Refusal> {
    if (MIN_RATING..=MAX_RATING).contains(&rating) {
        Ok(rating)
    } else {
        Err(Refusal::InvalidRating)
    }
}

/// One line of 1..=MAX_TITLE_CHARS characters once trimmed, with no control character.
pub fn check_title(title: &str) -> Result<String, Refusal> {
    plain_text(title, MAX_TITLE_CHARS, false).map_err(Refusal::InvalidTitle)
}

/// 1..=MAX_BODY_CHARS characters once trimmed; newlines and tabs are the only control
/// characters allowed.
pub fn check_body(body: &str) -> Result<String, Refusal> {
    plain_text(body, MAX_BODY_CHARS, true).map_err(Refusal::InvalidBody)
}

/// The merchant's answer: the same rules as a body.
pub fn check_reply(reply: &str) -> Result<String, Refusal> {
    plain_text(reply, MAX_REPLY_CHARS, true).map_err(Refusal::InvalidReply)
}

/// Text kept and shown exactly as written (never interpreted as markup), trimmed of
/// surrounding whitespace.
fn plain_text(text: &str, max_chars: usize, multiline: bool) -> Result<String, TextProblem> {
    let text = text.trim();
    // Refuse a huge input by its byte length before walking its characters.
    if text.len() > max_chars * 4 {
        return Err(TextProblem::TooLong(max_chars));
    }
    if text.is_empty() {
        return Err(TextProblem::Empty(max_chars));
    }
    let allowed = |c: char| multiline && (c == '\n' || c == '\t');
    if text.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(if multiline {
            TextProblem::ControlCharacter
        } else {
            TextProblem::NotOneLine
        });
    }
    if text.chars().count() > max_chars {
        return Err(TextProblem::TooLong(max_chars));
    }
    Ok(text.to_owned())
}

/// A product's visible reviews as running totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: i64,
    pub sum: i64,
    /// Reviews rating 1, 2, 3, 4 and 5.
    pub stars: [i64; 5],
    /// Grows with every change.
    pub version: i64,
}

impl Tally {
    /// The mean rating; `None` with no reviews.
    pub fn average(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// The totals once `change` applied (what the database does in one statement).
    pub fn after(mut self, change: TallyChange) -> Tally {
        self.count += change.by;
        self.sum += change.by * i64::from(change.rating);
        self.stars[change.star()] += change.by;
        self.version += 1;
        self
    }
}

/// A review entering (`by` +1) or leaving (`by` -1) a product's visible reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TallyChange {
    pub rating: i32,
    pub by: i64,
}

impl TallyChange {
    /// A review submitted or restored.
    pub fn shown(rating: i32) -> Self {
        Self { rating, by: 1 }
    }

    /// A review hidden.
    pub fn hidden(rating: i32) -> Self {
        Self { rating, by: -1 }
    }

    /// The histogram bin of the rating (0 for one star).
    pub fn star(&self) -> usize {
        (self.rating.clamp(MIN_RATING, MAX_RATING) - MIN_RATING) as usize
    }
}

/// How a customer's helpful vote moves a review's `helpfulCount`, given the vote they had
/// cast before (if any): only votes saying "helpful" count.
pub fn helpful_delta(before: Option<bool>, now: bool) -> i64 {
    match (before, now) {
        (None, true) | (Some(false), true) => 1,
        (Some(true), false) => -1,
        (None, false) | (Some(true), true) | (Some(false), false) => 0,
    }
}

/// The orders a product's reviews are listed in. Ties are broken by newest first, so every
/// order is total and a page continues exactly where the last one stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewOrder {
    Newest,
    Highest,
    Lowest,
    MostHelpful,
}

impl ReviewOrder {
    fn tag(self) -> char {
        match self {
            ReviewOrder::Newest => 'n',
            ReviewOrder::Highest => 'h',
            ReviewOrder::Lowest => 'l',
            ReviewOrder::MostHelpful => 'm',
        }
    }

    /// The sort key of a review in this order, besides its id.
    pub fn key_of(self, rating: i32, helpful_count: i64) -> i64 {
        match self {
            ReviewOrder::Newest => 0,
            ReviewOrder::Highest | ReviewOrder::Lowest => i64::from(rating),
            ReviewOrder::MostHelpful => helpful_count,
        }
    }
}

/// The last review of a page, as the next page starts after it: its sort key and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub key: i64,
    pub id: Uuid,
}

/// The cursor key of a review in `order` (encoded by the kit into an opaque cursor).
pub fn cursor_key(order: ReviewOrder, position: Position) -> String {
    match order {
        ReviewOrder::Newest => format!("{}:{}", order.tag(), position.id),
        _ => format!("{}:{}:{}", order.tag(), position.key, position.id),
    }
}

/// Reads a cursor key back; `None` when it is malformed or was made for another order.
pub fn position_after(order: ReviewOrder, key: &str) -> Option<Position> {
    let mut parts = key.split(':');
    let tag = parts.next()?;
    if tag.len() != 1 || !tag.starts_with(order.tag()) {
        return None;
    }
    let position = match order {
        ReviewOrder::Newest => Position {
            key: 0,
            id: Uuid::parse_str(parts.next()?).ok()?,
        },
        _ => Position {
            key: parts.next()?.parse().ok()?,
            id: Uuid::parse_str(parts.next()?).ok()?,
        },
    };
    parts.next().is_none().then_some(position)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn draft<'a>(rating: i32, title: &'a str, body: &'a str) -> Draft<'a> {
        Draft {
            product_id: "0193a000-0000-7000-8000-000000000001",
            rating,
            title,
            body,
        }
    }

    #[test]
    fn a_good_review_is_trimmed_and_kept_as_written() {
        let checked = check_draft(&draft(
            4,
            "  Warm <b>and</b> light ",
            "Line one\n\tindented & <script>x</script>\n",
        ))
        .unwrap();
        assert_eq!(checked.rating, 4);
        assert_eq!(checked.title, "Warm <b>and</b> light");
        assert_eq!(checked.body, "Line one\n\tindented & <script>x</script>");
    }

    #[test]
    fn every_problem_of_a_draft_is_reported_in_input_order() {
        let all = check_draft(&Draft {
            product_id: "nope",
            rating: 0,
            title: "",
            body: "bell\u{7}",
        })
        .unwrap_err();
        assert_eq!(
            all,
            Refusal::Several(vec![
                Refusal::ProductNotFound,
                Refusal::InvalidRating,
                Refusal::InvalidTitle(TextProblem::Empty(MAX_TITLE_CHARS)),
                Refusal::InvalidBody(TextProblem::ControlCharacter),
            ])
        );
        assert_eq!(
            check_draft(&draft(6, "ok", "ok")).unwrap_err(),
            Refusal::InvalidRating,
            "one problem is one refusal"
        );
    }

    #[test]
    fn titles_are_one_line_and_bodies_may_have_lines_and_tabs() {
        assert_eq!(
            check_title("two\nlines"),
            Err(Refusal::InvalidTitle(TextProblem::NotOneLine))
        );
        assert_eq!(
            check_title("tab\there"),
            Err(Refusal::InvalidTitle(TextProblem::NotOneLine))
        );
        for bad in [
            "nul\0",
            "esc\u{1b}[31m",
            "cr\rlf",
            "del\u{7f}",
            "c1\u{85}next line",
        ] {
            assert_eq!(
                check_body(bad),
                Err(Refusal::InvalidBody(TextProblem::ControlCharacter)),
                "{bad:?}"
            );
        }
        assert!(check_body("a\n\tb").is_ok());
        assert_eq!(
            check_reply("   "),
            Err(Refusal::InvalidReply(TextProblem::Empty(MAX_REPLY_CHARS)))
        );
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        let most = "é".repeat(MAX_TITLE_CHARS);
        assert_eq!(check_title(&most).as_deref(), Ok(most.as_str()));
        assert_eq!(
            check_title(&format!("{most}é")),
            Err(Refusal::InvalidTitle(TextProblem::TooLong(MAX_TITLE_CHARS)))
        );
        assert!(check_body(&"😀".repeat(MAX_BODY_CHARS)).is_ok());
        assert_eq!(
            check_body(&"x".repeat(1_000_000)),
            Err(Refusal::InvalidBody(TextProblem::TooLong(MAX_BODY_CHARS)))
        );
    }

    #[test]
    fn the_average_is_absent_without_reviews() {
        let empty = Tally::default();
        assert_eq!(empty.average(), None);
        let tally = empty
            .after(TallyChange::shown(5))
            .after(TallyChange::shown(4))
            .after(TallyChange::shown(1));
        assert_eq!(tally.count, 3);
        assert_eq!(tally.stars, [1, 0, 0, 1, 1]);
        assert_eq!(tally.average(), Some(10.0 / 3.0));
        assert_eq!(tally.version, 3);
    }

    #[test]
    fn a_vote_counts_once_and_a_change_of_mind_moves_it() {
        assert_eq!(helpful_delta(None, true), 1);
        assert_eq!(helpful_delta(None, false), 0);
        assert_eq!(helpful_delta(Some(true), true), 0, "the same vote again");
        assert_eq!(helpful_delta(Some(true), false), -1);
        assert_eq!(helpful_delta(Some(false), true), 1);
        assert_eq!(helpful_delta(Some(false), false), 0);
    }

    #[test]
    fn a_cursor_is_only_read_back_in_its_own_order() {
        let id = Uuid::now_v7();
        let at = Position { key: 4, id };
        let key = cursor_key(ReviewOrder::Highest, at);
        assert_eq!(position_after(ReviewOrder::Highest, &key), Some(at));
        assert_eq!(position_after(ReviewOrder::Lowest, &key), None);
        assert_eq!(position_after(ReviewOrder::Newest, &key), None);
        for garbage in ["", "h", "h:4", "h:x:y", &format!("h:4:{id}:5"), "hh:4:x"] {
            assert_eq!(
                position_after(ReviewOrder::Highest, garbage),
                None,
                "{garbage}"
            );
        }
    }

    proptest! {
        #[test]
        fn totals_stay_consistent_whatever_is_shown_and_hidden(
            ratings in proptest::collection::vec(1i32..=5, 0..60),
            hide in proptest::collection::vec(any::<bool>(), 60),
        ) {
            let mut tally = Tally::default();
            for rating in &ratings {
                tally = tally.after(TallyChange::shown(*rating));
            }
            let mut visible = Vec::new();
            for (rating, hidden) in ratings.iter().zip(&hide) {
                if *hidden {
                    tally = tally.after(TallyChange::hidden(*rating));
                } else {
                    visible.push(*rating);
                }
            }
            prop_assert_eq!(tally.count, visible.len() as i64);
            prop_assert_eq!(tally.stars.iter().sum::<i64>(), tally.count);
            prop_assert_eq!(tally.sum, visible.iter().map(|r| i64::from(*r)).sum::<i64>());
            for (star, count) in tally.stars.iter().enumerate() {
                prop_assert_eq!(*count, visible.iter().filter(|r| **r as usize == star + 1).count() as i64);
            }
            match tally.average() {
                None => prop_assert!(visible.is_empty()),
                Some(average) => prop_assert!((1.0..=5.0).contains(&average)),
            }
            prop_assert_eq!(tally.version, (ratings.len() + hide.iter().take(ratings.len()).filter(|h| **h).count()) as i64);
        }

        #[test]
        fn the_helpful_count_equals_the_helpful_votes_after_any_sequence(
            votes in proptest::collection::vec((0usize..4, any::<bool>()), 0..40),
        ) {
            let mut cast: [Option<bool>; 4] = [None; 4];
            let mut count = 0i64;
            for (voter, helpful) in votes {
                count += helpful_delta(cast[voter], helpful);
                cast[voter] = Some(helpful);
            }
            prop_assert_eq!(count, cast.iter().filter(|v| **v == Some(true)).count() as i64);
        }

        #[test]
        fn cursors_round_trip(key in any::<i64>(), raw in any::<u128>(), order in 0usize..4) {
            let order = [ReviewOrder::Newest, ReviewOrder::Highest, ReviewOrder::Lowest, ReviewOrder::MostHelpful][order];
            let position = Position { key: if order == ReviewOrder::Newest { 0 } else { key }, id: Uuid::from_u128(raw) };
            prop_assert_eq!(position_after(order, &cursor_key(order, position)), Some(position));
        }

        #[test]
        fn any_text_is_either_refused_or_kept_within_its_bounds(text in "\\PC{0,20}[\\x00-\\x1f]?\\PC{0,20}") {
            match check_body(&text) {
                Ok(kept) => {
                    prop_assert!(!kept.is_empty() && kept.chars().count() <= MAX_BODY_CHARS);
                    prop_assert!(kept.chars().all(|c| !c.is_control() || c == '\n' || c == '\t'));
                    prop_assert_eq!(kept.as_str(), text.trim());
                }
                Err(refusal) => prop_assert!(matches!(refusal, Refusal::InvalidBody(_))),
            }
        }
    }
}
