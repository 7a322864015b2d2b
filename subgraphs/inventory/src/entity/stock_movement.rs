use sea_orm::entity::prelude::*;

/// One line of the stock ledger. `quantity` is signed: the change to on-hand for
/// `ADJUSTED`, `COMMITTED` and `RETURNED` (so those sum to on-hand), the change to reserved
/// for `RESERVED` and `RELEASED`. `on_hand_after` and `reserved_after` are the variant's
/// totals once the movement applied.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_movements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub variant_id: Uuid,
    /// The warehouse whose shelves changed; none for holds.
    pub warehouse_id: Option<Uuid>,
    /// A `MovementKind` name.
    pub kind: String,
    pub quantity: i64,
    pub on_hand_after: i64,
    pub reserved_after: i64,
    /// The reservation (order) behind the movement.
    pub reference: Option<Uuid>,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
