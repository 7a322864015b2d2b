//! Batch loaders: N users (or their roles) in one query, however many resolvers ask.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use micromall_kit::ApiError;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::entity::user;
use crate::store::{self, RoleView};

pub struct UserLoader(pub DatabaseConnection);

impl Loader<Uuid> for UserLoader {
    type Value = user::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let users = store::users_by_ids(&self.0, keys)
            .await
            .map_err(ApiError::from)?;
        Ok(users.into_iter().map(|u| (u.id, u)).collect())
    }
}

pub struct RolesLoader(pub DatabaseConnection);

impl Loader<Uuid> for RolesLoader {
    type Value = Vec<RoleView>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(store::roles_by_user(&self.0, keys)
            .await
            .map_err(ApiError::from)?)
    }
}
