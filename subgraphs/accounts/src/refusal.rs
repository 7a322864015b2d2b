//! Everything accounts refuses, and the one place each refusal gets its contract code,
//! message and input path (`register`, `login`, `refreshToken`, `createRole`, `assignRole`,
//! `revokeRole`).

use micromall_kit::DomainRefusal;
use micromall_kit::auth::PERMISSIONS;
use micromall_kit::outcome::{joined_messages, path};

use crate::rules::{
    MAX_EMAIL_LEN, MAX_NAME_CHARS, MAX_PASSWORD_BYTES, MAX_ROLE_NAME_CHARS, MIN_PASSWORD_CHARS,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// An email that is empty or longer than MAX_EMAIL_LEN.
    EmailLength,
    /// An email without `@`.
    EmailWithoutAt,
    /// An email whose local part or domain is malformed.
    EmailMalformed,
    /// A password shorter than MIN_PASSWORD_CHARS.
    PasswordTooShort,
    /// A password longer than MAX_PASSWORD_BYTES.
    PasswordTooLong,
    /// A display name that is blank, too long or holds control characters.
    InvalidName,
    /// Another account has this email (in any case).
    EmailTaken,
    /// Unknown email or wrong password: the same answer for both.
    InvalidCredentials,
    /// A refresh token that is unknown, expired, revoked or already used.
    InvalidRefreshToken,
    /// A role name outside the allowed characters or length.
    InvalidRoleName,
    /// A permission not in `PERMISSIONS` (as sent, cut to 64 characters).
    UnknownPermission(String),
    /// Another role has this name.
    RoleNameTaken,
    /// No user has this id (or it is malformed).
    UnknownUser,
    /// No role has this id (or it is malformed).
    UnknownRole,
    /// The only holder of `admin` cannot lose it.
    LastAdmin,
    /// Several of the above at once, so a client learns every mistake in one answer: one
    /// user error each, in order.
    Several(Vec<Refusal>),
}

impl Refusal {
    /// The refusals found, as one refusal; `None` when there were none.
    pub fn of_all(mut found: Vec<Refusal>) -> Option<Refusal> {
        match found.len() {
            0 => None,
            1 => found.pop(),
            _ => Some(Refusal::Several(found)),
        }
    }
}

impl DomainRefusal for Refusal {
    fn code(&self) -> &'static str {
        match self {
            Refusal::EmailLength | Refusal::EmailWithoutAt | Refusal::EmailMalformed => {
                "INVALID_EMAIL"
            }
            Refusal::PasswordTooShort | Refusal::PasswordTooLong => "WEAK_PASSWORD",
            Refusal::InvalidName | Refusal::InvalidRoleName => "INVALID_NAME",
            Refusal::EmailTaken => "EMAIL_TAKEN",
            Refusal::InvalidCredentials => "INVALID_CREDENTIALS",
            Refusal::InvalidRefreshToken => "INVALID_REFRESH_TOKEN",
            Refusal::UnknownPermission(_) => "INVALID_PERMISSION",
            Refusal::RoleNameTaken => "NAME_TAKEN",
            Refusal::UnknownUser | Refusal::UnknownRole => "NOT_FOUND",
            Refusal::LastAdmin => "LAST_ADMIN",
            Refusal::Several(all) => all.first().map_or("INVALID_INPUT", Refusal::code),
        }
    }

    fn message(&self) -> String {
        match self {
            Refusal::EmailLength => format!("email must be 1 to {MAX_EMAIL_LEN} characters"),
            Refusal::EmailWithoutAt => "email must contain @".to_owned(),
            Refusal::EmailMalformed => "email address is not valid".to_owned(),
            Refusal::PasswordTooShort => {
                format!("password must be at least {MIN_PASSWORD_CHARS} characters")
            }
            Refusal::PasswordTooLong => {
                format!("password must be at most {MAX_PASSWORD_BYTES} bytes")
            }
            Refusal::InvalidName => {
                format!("name must be 1 to {MAX_NAME_CHARS} characters without control characters")
            }
            Refusal::EmailTaken => "an account with this email exists".to_owned(),
            Refusal::InvalidCredentials => "email or password is incorrect".to_owned(),
            Refusal::InvalidRefreshToken => {
                "refresh token is invalid, expired or already used".to_owned()
            }
            Refusal::InvalidRoleName => format!(
                "role name must be 1 to {MAX_ROLE_NAME_CHARS} characters of a-z, 0-9, - and _"
            ),
            Refusal::UnknownPermission(unknown) => format!(
                "unknown permission `{unknown}`; known: {}",
                PERMISSIONS.join(", ")
            ),
            Refusal::RoleNameTaken => "a role with this name exists".to_owned(),
            Refusal::UnknownUser => "no such user".to_owned(),
            Refusal::UnknownRole => "no such role".to_owned(),
            Refusal::LastAdmin => "the last administrator cannot lose the admin role".to_owned(),
            Refusal::Several(all) => joined_messages(all),
        }
    }

    fn field(&self) -> Option<Vec<String>> {
        match self {
            Refusal::EmailLength
            | Refusal::EmailWithoutAt
            | Refusal::EmailMalformed
            | Refusal::EmailTaken => path(&["input", "email"]),
            Refusal::PasswordTooShort | Refusal::PasswordTooLong => path(&["input", "password"]),
            Refusal::InvalidName | Refusal::InvalidRoleName | Refusal::RoleNameTaken => {
                path(&["input", "name"])
            }
            Refusal::UnknownPermission(_) => path(&["input", "permissions"]),
            Refusal::InvalidRefreshToken => path(&["refreshToken"]),
            Refusal::UnknownUser => path(&["userId"]),
            Refusal::UnknownRole | Refusal::LastAdmin => path(&["roleId"]),
            Refusal::InvalidCredentials | Refusal::Several(_) => None,
        }
    }

    micromall_kit::several_in!(Refusal::Several);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_refusals_answer_one_user_error_each_in_order() {
        let all = Refusal::of_all(vec![Refusal::InvalidName, Refusal::EmailMalformed]).unwrap();
        let errors = all.user_errors();
        let codes: Vec<&str> = errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["INVALID_NAME", "INVALID_EMAIL"]);
        assert_eq!(errors[1].field, path(&["input", "email"]));
        assert_eq!(
            Refusal::of_all(vec![Refusal::UnknownRole]),
            Some(Refusal::UnknownRole)
        );
        assert_eq!(Refusal::of_all(Vec::new()), None);
    }
}
