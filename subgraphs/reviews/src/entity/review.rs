use sea_orm::entity::prelude::*;

/// One customer's review of one product. Text is stored and returned exactly as written.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reviews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub product_id: Uuid,
    pub author_id: Uuid,
    /// 1 to 5.
    pub rating: i32,
    pub title: String,
    pub body: String,
    pub verified_purchase: bool,
    /// Votes saying the review was helpful.
    pub helpful_count: i64,
    /// The merchant's answer.
    pub reply: Option<String>,
    pub replied_at: Option<DateTimeUtc>,
    /// Set while a moderator keeps it out of listings and the product's rating.
    pub hidden_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
