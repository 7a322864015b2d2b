//! What admins do to categories: create them, at the root or under a parent.

use micromall_kit::db::begin_write;
use micromall_kit::outcome::Verdict;
use micromall_kit::{DomainError, refuse};

use super::{Catalog, named_category};
use crate::entity::category;
use crate::refusal::{Named, Refusal};
use crate::rules;
use crate::store::{self, Taken};

impl Catalog {
    /// A category named `name`, its slug given or derived from the name.
    pub async fn create_category(
        &self,
        name: &str,
        slug: Option<&str>,
        parent: Option<&str>,
    ) -> Result<category::Model, DomainError<Refusal>> {
        let name = rules::clean_name(name, Named::Input).or_refuse()?;
        let slug = match slug {
            Some(slug) => {
                rules::check_slug(slug).or_refuse()?;
                slug.to_owned()
            }
            None => rules::slugify(&name),
        };
        if slug.is_empty() {
            return refuse(Refusal::NoSlug);
        }
        let txn = begin_write(&self.db).await?;
        let parent = named_category(&txn, parent, Refusal::ParentNotFound).await?;
        if store::category_slug_exists(&txn, &slug).await? {
            return refuse(Refusal::CategorySlugTaken);
        }
        match store::insert_category(&txn, &name, &slug, parent).await {
            Ok(category) => {
                txn.commit().await?;
                Ok(category)
            }
            // A racing writer took the slug between our look and our write.
            Err(err) if store::taken(&err) == Some(Taken::CategorySlug) => {
                refuse(Refusal::CategorySlugTaken)
            }
            Err(err) => Err(err.into()),
        }
    }
}
