//! Input rules for accounts, as pure functions: what a valid email, password, name and role
//! look like. Each says no with the `Refusal` the contract names.

use micromall_kit::auth::PERMISSIONS;

use crate::refusal::Refusal;

pub const MAX_EMAIL_LEN: usize = 254;
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Bounds the cost of hashing an attacker-chosen password.
pub const MAX_PASSWORD_BYTES: usize = 1024;
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_ROLE_NAME_CHARS: usize = 50;

/// The email as stored for uniqueness and look-up.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A pragmatic syntax check: one `@`, a sane local part, a dotted domain of letters, digits
/// and hyphens. (Full RFC 5322 accepts addresses no mail system delivers to.)
pub fn check_email(email: &str) -> Result<(), Refusal> {
    let email = email.trim();
    if email.is_empty() || email.len() > MAX_EMAIL_LEN {
        return Err(Refusal::EmailLength);
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(Refusal::EmailWithoutAt);
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    if local_ok && domain_ok {
        Ok(())
    } else {
        Err(Refusal::EmailMalformed)
    }
}

pub fn check_password(password: &str) -> Result<(), Refusal> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Refusal::PasswordTooShort);
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Refusal::PasswordTooLong);
    }
    Ok(())
}

/// A display name: trimmed, 1..=100 characters, no control characters.
pub fn clean_name(name: &str) -> Result<String, Refusal> {
    let name = name.trim();
    let count = name.chars().count();
    if count == 0 || count > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(Refusal::InvalidName);
    }
    Ok(name.to_owned())
}

/// A registration's fields, every mistake reported at once: the display name, cleaned.
pub fn check_registration(email: &str, password: &str, name: &str) -> Result<String, Refusal> {
    let name = clean_name(name);
    let mistakes = [
        name.as_ref().err().cloned(),
        check_email(email).err(),
        check_password(password).err(),
    ];
    match Refusal::of_all(mistakes.into_iter().flatten().collect()) {
        Some(refusal) => Err(refusal),
        None => name,
    }
}

/// Role names: lower-case letters, digits, `-` and `_`.
pub fn check_role_name(name: &str) -> Result<(), Refusal> {
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_ROLE_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Refusal::InvalidRoleName)
    }
}

pub fn check_permissions(permissions: &[String]) -> Result<(), Refusal> {
    match permissions
        .iter()
        .find(|p| !PERMISSIONS.contains(&p.as_str()))
    {
        None => Ok(()),
        Some(unknown) => Err(Refusal::UnknownPermission(
            unknown.chars().take(64).collect(),
        )),
    }
}

/// A new role's name and permissions, every mistake reported at once.
pub fn check_role(name: &str, permissions: &[String]) -> Result<(), Refusal> {
    let mistakes = [
        check_role_name(name).err(),
        check_permissions(permissions).err(),
    ];
    Refusal::of_all(mistakes.into_iter().flatten().collect()).map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use micromall_kit::DomainRefusal;

    use super::*;

    #[test]
    fn emails() {
        for ok in ["a@b.co", "Jane.Doe+shop@example.com", "x_y@sub.example.org"] {
            assert!(check_email(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@b.c",
            "a b@example.com",
            "a..b@example.com",
            ".a@example.com",
            "a@-example.com",
            "a@example..com",
            "a@exa_mple.com",
        ] {
            assert_eq!(
                check_email(bad).unwrap_err().code(),
                "INVALID_EMAIL",
                "{bad}"
            );
        }
        assert!(check_email(&format!("{}@example.com", "a".repeat(300))).is_err());
        assert_eq!(normalize_email("  Jane@Example.COM "), "jane@example.com");
    }

    #[test]
    fn passwords() {
        assert!(check_password("0123456789").is_ok());
        assert_eq!(check_password("short").unwrap_err().code(), "WEAK_PASSWORD");
        assert!(check_password("ééééééééé").is_err(), "9 characters");
        assert!(check_password(&"x".repeat(2000)).is_err());
    }

    #[test]
    fn names() {
        assert_eq!(clean_name("  Ada Lovelace ").unwrap(), "Ada Lovelace");
        assert_eq!(clean_name("   ").unwrap_err().code(), "INVALID_NAME");
        assert!(clean_name(&"n".repeat(101)).is_err());
        assert!(clean_name(&"ñ".repeat(100)).is_ok());
        assert!(clean_name("bad\u{0}name").is_err());
    }

    #[test]
    fn roles_and_permissions() {
        assert!(check_role_name("support-team").is_ok());
        assert!(check_role_name("Support Team").is_err());
        assert!(check_permissions(&["catalog:write".into()]).is_ok());
        assert_eq!(
            check_permissions(&["root:everything".into()])
                .unwrap_err()
                .code(),
            "INVALID_PERMISSION"
        );
    }
}
