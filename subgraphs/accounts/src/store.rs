//! Queries on the accounts tables. No rules here: the service decides, the store fetches.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use micromall_kit::db::UniqueKey;
use sea_orm::sea_query::{Expr, ExprTrait as _, Func, LikeExpr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::entity::{refresh_token, role, role_permission, user, user_role};
use crate::refusal::Refusal;

/// The unique keys a client's input can run into, and the refusal each means.
pub fn unique_keys() -> [UniqueKey<Refusal>; 2] {
    [
        UniqueKey {
            postgres: "users_email_normalized_key",
            sqlite: "users.email_normalized",
            means: Refusal::EmailTaken,
        },
        UniqueKey {
            postgres: "roles_name_key",
            sqlite: "roles.name",
            means: Refusal::RoleNameTaken,
        },
    ]
}

/// A role with its permissions, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleView {
    pub id: Uuid,
    pub name: String,
    pub permissions: Vec<String>,
}

pub async fn user_by_email(
    db: &impl ConnectionTrait,
    email_normalized: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::EmailNormalized.eq(email_normalized))
        .one(db)
        .await
}

pub async fn user_by_id(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).one(db).await
}

/// One query for any number of users (entity resolution batches through this).
pub async fn users_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// A page of users in creation order, optionally matching `search` in email or name.
pub async fn list_users(
    db: &impl ConnectionTrait,
    search: Option<&str>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<user::Model>, u64), DbErr> {
    let mut condition = Condition::all();
    if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", escape_like(&search.to_lowercase()));
        condition = condition.add(
            Condition::any()
                .add(
                    Expr::col(user::Column::EmailNormalized)
                        .like(LikeExpr::new(pattern.clone()).escape('\\')),
                )
                .add(
                    Expr::expr(Func::lower(Expr::col(user::Column::Name)))
                        .like(LikeExpr::new(pattern).escape('\\')),
                ),
        );
    }
    let total = user::Entity::find()
        .filter(condition.clone())
        .count(db)
        .await?;
    let mut query = user::Entity::find().filter(condition);
    if let Some(after) = after {
        query = query.filter(user::Column::Id.gt(after));
    }
    let rows = query
        .order_by_asc(user::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

pub async fn role_by_name(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<role::Model>, DbErr> {
    role::Entity::find()
        .filter(role::Column::Name.eq(name))
        .one(db)
        .await
}

pub async fn role_by_id(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<role::Model>, DbErr> {
    role::Entity::find_by_id(id).one(db).await
}

/// Every role with its permissions, in creation order.
pub async fn all_roles(db: &impl ConnectionTrait) -> Result<Vec<RoleView>, DbErr> {
    let roles = role::Entity::find()
        .order_by_asc(role::Column::CreatedAt)
        .all(db)
        .await?;
    with_permissions(db, roles).await
}

async fn with_permissions(
    db: &impl ConnectionTrait,
    roles: Vec<role::Model>,
) -> Result<Vec<RoleView>, DbErr> {
    let ids: Vec<Uuid> = roles.iter().map(|r| r.id).collect();
    let mut permissions: HashMap<Uuid, Vec<String>> = HashMap::new();
    for row in role_permission::Entity::find()
        .filter(role_permission::Column::RoleId.is_in(ids))
        .order_by_asc(role_permission::Column::Permission)
        .all(db)
        .await?
    {
        permissions
            .entry(row.role_id)
            .or_default()
            .push(row.permission);
    }
    Ok(roles
        .into_iter()
        .map(|r| RoleView {
            permissions: permissions.remove(&r.id).unwrap_or_default(),
            id: r.id,
            name: r.name,
        })
        .collect())
}

/// Roles of many users at once: user id → roles.
pub async fn roles_by_user(
    db: &impl ConnectionTrait,
    user_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<RoleView>>, DbErr> {
    let links = user_role::Entity::find()
        .filter(user_role::Column::UserId.is_in(user_ids.iter().copied()))
        .all(db)
        .await?;
    let role_ids: BTreeSet<Uuid> = links.iter().map(|l| l.role_id).collect();
    let roles = role::Entity::find()
        .filter(role::Column::Id.is_in(role_ids))
        .order_by_asc(role::Column::CreatedAt)
        .all(db)
        .await?;
    let roles = with_permissions(db, roles).await?;
    let mut by_user: HashMap<Uuid, Vec<RoleView>> = HashMap::new();
    for role in &roles {
        for link in links.iter().filter(|l| l.role_id == role.id) {
            by_user.entry(link.user_id).or_default().push(role.clone());
        }
    }
    Ok(by_user)
}

/// The permissions a user holds through all their roles: the access token's `scope`.
pub async fn scopes_of(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<BTreeSet<String>, DbErr> {
    let roles = roles_by_user(db, &[user_id]).await?;
    Ok(roles
        .into_values()
        .flatten()
        .flat_map(|r| r.permissions)
        .collect())
}

pub async fn insert_role(
    db: &impl ConnectionTrait,
    name: &str,
    builtin: bool,
    permissions: &BTreeSet<String>,
) -> Result<RoleView, DbErr> {
    let id = Uuid::now_v7();
    role::ActiveModel {
        id: Set(id),
        name: Set(name.to_owned()),
        builtin: Set(builtin),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    set_permissions(db, id, permissions).await?;
    Ok(RoleView {
        id,
        name: name.to_owned(),
        permissions: permissions.iter().cloned().collect(),
    })
}

/// Replaces a role's permissions.
pub async fn set_permissions(
    db: &impl ConnectionTrait,
    role_id: Uuid,
    permissions: &BTreeSet<String>,
) -> Result<(), DbErr> {
    role_permission::Entity::delete_many()
        .filter(role_permission::Column::RoleId.eq(role_id))
        .exec(db)
        .await?;
    if !permissions.is_empty() {
        role_permission::Entity::insert_many(permissions.iter().map(|p| {
            role_permission::ActiveModel {
                role_id: Set(role_id),
                permission: Set(p.clone()),
            }
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// Grants a role; granting one already held changes nothing.
pub async fn grant_role(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    role_id: Uuid,
) -> Result<(), DbErr> {
    // Held already (or granted by another replica at this very moment): nothing to do.
    user_role::Entity::insert(user_role::ActiveModel {
        user_id: Set(user_id),
        role_id: Set(role_id),
        granted_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([user_role::Column::UserId, user_role::Column::RoleId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn remove_role(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    role_id: Uuid,
) -> Result<(), DbErr> {
    user_role::Entity::delete_by_id((user_id, role_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Holds the role's row until the transaction ends, so that decisions about its holders are
/// taken one at a time. PostgreSQL only: SQLite's write transactions already take turns.
pub async fn lock_role(db: &impl ConnectionTrait, role_id: Uuid) -> Result<(), DbErr> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        role::Entity::find_by_id(role_id)
            .lock_exclusive()
            .one(db)
            .await?;
    }
    Ok(())
}

pub async fn holders_of_role(db: &impl ConnectionTrait, role_id: Uuid) -> Result<u64, DbErr> {
    user_role::Entity::find()
        .filter(user_role::Column::RoleId.eq(role_id))
        .count(db)
        .await
}

pub async fn insert_refresh_token(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    family_id: Uuid,
    token_hash: String,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        family_id: Set(family_id),
        user_id: Set(user_id),
        token_hash: Set(token_hash),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn refresh_token_by_hash(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<refresh_token::Model>, DbErr> {
    refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token_hash))
        .one(db)
        .await
}

/// Marks a token used if, and only if, it is still unused and unrevoked. The single
/// conditional UPDATE is what makes two racing refreshes of one token end in one winner.
pub async fn claim_refresh_token(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    let result = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::Id.eq(id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn revoke_family(db: &impl ConnectionTrait, family_id: Uuid) -> Result<u64, DbErr> {
    let result = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

pub async fn insert_user(
    db: &impl ConnectionTrait,
    model: user::Model,
) -> Result<user::Model, DbErr> {
    user::ActiveModel {
        id: Set(model.id),
        email: Set(model.email),
        email_normalized: Set(model.email_normalized),
        name: Set(model.name),
        password_hash: Set(model.password_hash),
        created_at: Set(model.created_at),
        updated_at: Set(model.updated_at),
    }
    .insert(db)
    .await
}

#[cfg(test)]
mod tests {
    use micromall_kit::db::{connect, violated};
    use micromall_kit::on_every_backend;
    use micromall_kit::testing::{Backend, TestDatabase};
    use micromall_migrations::accounts::Migrator;

    use super::*;

    on_every_backend!(a_lost_race_names_the_field_the_client_sent);

    fn someone(email: &str) -> user::Model {
        let now = Utc::now();
        user::Model {
            id: Uuid::now_v7(),
            email: email.to_owned(),
            email_normalized: email.to_lowercase(),
            name: "Someone".to_owned(),
            password_hash: "not a hash".to_owned(),
            created_at: now,
            updated_at: now,
        }
    }

    /// What the unique indexes say when two writers race past the checks before them.
    async fn a_lost_race_names_the_field_the_client_sent(backend: Backend) {
        let test_db = TestDatabase::create(backend).await.expect("database");
        let db = connect::<Migrator>(&test_db.url).await.expect("migrated");
        let keys = unique_keys();

        insert_user(&db, someone("twin@example.com")).await.unwrap();
        let err = insert_user(&db, someone("TWIN@example.com"))
            .await
            .unwrap_err();
        assert_eq!(violated(&err, &keys), Some(&Refusal::EmailTaken), "{err}");

        let none = BTreeSet::new();
        insert_role(&db, "support", false, &none).await.unwrap();
        let err = insert_role(&db, "support", false, &none).await.unwrap_err();
        assert_eq!(
            violated(&err, &keys),
            Some(&Refusal::RoleNameTaken),
            "{err}"
        );
    }
}
