use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shipments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub carrier: String,
    /// `pending:<id>` until the carrier has issued one.
    pub tracking_number: String,
    pub label_url: Option<String>,
    /// A `ShipmentStatus` name.
    pub status: String,
    /// When the scan that set `status` happened.
    pub status_at: DateTimeUtc,
    /// The furthest the parcel has got (`ShipmentStatus::progress`).
    pub progress: i32,
    /// A `ShipmentState` name.
    pub state: String,
    pub estimated_delivery: Option<DateTimeUtc>,
    pub delivered_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Where a shipment is in being made: it holds its lines from the start, but counts (and is
/// shown) only once orders has accepted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShipmentState {
    /// Lines held; the carrier's label and orders' acceptance are being obtained.
    Pending,
    Confirmed,
    /// Orders refused it (the order was cancelled meanwhile): its lines are free again.
    Void,
}

impl ShipmentState {
    pub fn as_str(self) -> &'static str {
        match self {
            ShipmentState::Pending => "PENDING",
            ShipmentState::Confirmed => "CONFIRMED",
            ShipmentState::Void => "VOID",
        }
    }
}
