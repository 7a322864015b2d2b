//! The shipping queries: the only place that speaks to the database.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use micromall_kit::db::UniqueKey;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::carrier::Label;
use crate::entity::shipment::ShipmentState;
use crate::entity::{
    carrier_event, fulfilment, shipment, shipment_line, shipping_method, shipping_zone,
    tracking_event,
};
use crate::refusal::Field;
use crate::rules::tracking::Standing;

/// Unique names, as each database names the constraint.
pub const NAMES: [UniqueKey<Field>; 2] = [
    UniqueKey {
        postgres: "shipping_zones_name_key_key",
        sqlite: "shipping_zones.name_key",
        means: Field::ZoneName,
    },
    UniqueKey {
        postgres: "shipping_methods_zone_name",
        sqlite: "shipping_methods.name_key",
        means: Field::MethodName,
    },
];

pub async fn zones(db: &impl ConnectionTrait) -> Result<Vec<shipping_zone::Model>, DbErr> {
    shipping_zone::Entity::find()
        .order_by_asc(shipping_zone::Column::CreatedAt)
        .order_by_asc(shipping_zone::Column::Id)
        .all(db)
        .await
}

pub async fn methods(db: &impl ConnectionTrait) -> Result<Vec<shipping_method::Model>, DbErr> {
    shipping_method::Entity::find()
        .order_by_asc(shipping_method::Column::CreatedAt)
        .order_by_asc(shipping_method::Column::Id)
        .all(db)
        .await
}

pub async fn zone(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<shipping_zone::Model>, DbErr> {
    shipping_zone::Entity::find_by_id(id).one(db).await
}

pub async fn method(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<shipping_method::Model>, DbErr> {
    shipping_method::Entity::find_by_id(id).one(db).await
}

pub async fn methods_of_zone(
    db: &impl ConnectionTrait,
    zone_id: Uuid,
) -> Result<Vec<shipping_method::Model>, DbErr> {
    shipping_method::Entity::find()
        .filter(shipping_method::Column::ZoneId.eq(zone_id))
        .order_by_asc(shipping_method::Column::CreatedAt)
        .order_by_asc(shipping_method::Column::Id)
        .all(db)
        .await
}

pub async fn insert_zone(
    db: &impl ConnectionTrait,
    zone: shipping_zone::Model,
) -> Result<(), DbErr> {
    shipping_zone::Entity::insert(shipping_zone::ActiveModel::from(zone))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn insert_method(
    db: &impl ConnectionTrait,
    method: shipping_method::Model,
) -> Result<(), DbErr> {
    shipping_method::Entity::insert(shipping_method::ActiveModel::from(method))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn update_method(
    db: &impl ConnectionTrait,
    method: shipping_method::Model,
) -> Result<(), DbErr> {
    let mut active = shipping_method::ActiveModel::from(method);
    active = active.reset_all();
    active.update(db).await?;
    Ok(())
}

/// Takes the order's fulfilment row (made on first use): every change to the order's
/// shipments goes through here first, so on PostgreSQL they queue on its row lock (SQLite
/// runs one write transaction at a time).
pub async fn lock_fulfilment(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    customer_id: Uuid,
    order_units: i64,
) -> Result<(), DbErr> {
    fulfilment::Entity::insert(fulfilment::ActiveModel {
        order_id: Set(order_id),
        customer_id: Set(customer_id),
        order_units: Set(order_units),
        version: Set(1),
    })
    .on_conflict(
        OnConflict::column(fulfilment::Column::OrderId)
            .value(
                fulfilment::Column::Version,
                Expr::col((fulfilment::Entity, fulfilment::Column::Version)).add(1),
            )
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn fulfilment(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Option<fulfilment::Model>, DbErr> {
    fulfilment::Entity::find_by_id(order_id).one(db).await
}

/// Per order line, the units that shipments not void have taken.
pub async fn shipped_by_line(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<HashMap<Uuid, i64>, DbErr> {
    let live: Vec<Uuid> = shipment::Entity::find()
        .select_only()
        .column(shipment::Column::Id)
        .filter(shipment::Column::OrderId.eq(order_id))
        .filter(shipment::Column::State.ne(ShipmentState::Void.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    let mut shipped = HashMap::new();
    for line in lines_of(db, &live).await? {
        *shipped.entry(line.order_line_id).or_insert(0) += i64::from(line.quantity);
    }
    Ok(shipped)
}

pub async fn insert_shipment(
    db: &impl ConnectionTrait,
    shipment: shipment::Model,
    lines: Vec<shipment_line::Model>,
) -> Result<(), DbErr> {
    shipment::Entity::insert(shipment::ActiveModel::from(shipment))
        .exec_without_returning(db)
        .await?;
    shipment_line::Entity::insert_many(lines.into_iter().map(shipment_line::ActiveModel::from))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Moves a pending shipment to `state` (with its label, when confirmed). False if it was no
/// longer pending (another process settled it).
pub async fn settle(
    db: &impl ConnectionTrait,
    id: Uuid,
    state: ShipmentState,
    label: Option<&Label>,
) -> Result<bool, DbErr> {
    let mut update = shipment::Entity::update_many()
        .col_expr(shipment::Column::State, Expr::value(state.as_str()))
        .col_expr(shipment::Column::UpdatedAt, Expr::value(Utc::now()));
    if let Some(label) = label {
        update = update
            .col_expr(
                shipment::Column::TrackingNumber,
                Expr::value(label.tracking_number.as_str()),
            )
            .col_expr(
                shipment::Column::LabelUrl,
                Expr::value(label.label_url.clone()),
            )
            .col_expr(
                shipment::Column::EstimatedDelivery,
                Expr::value(label.estimated_delivery),
            );
    }
    Ok(update
        .filter(shipment::Column::Id.eq(id))
        .filter(shipment::Column::State.eq(ShipmentState::Pending.as_str()))
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

pub async fn shipment(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<shipment::Model>, DbErr> {
    shipment::Entity::find_by_id(id).one(db).await
}

/// A confirmed shipment by its tracking number (`carrier`: only that carrier's).
pub async fn shipment_by_tracking(
    db: &impl ConnectionTrait,
    carrier: Option<&str>,
    tracking_number: &str,
) -> Result<Option<shipment::Model>, DbErr> {
    let mut find = shipment::Entity::find()
        .filter(shipment::Column::TrackingNumber.eq(tracking_number))
        .filter(shipment::Column::State.eq(ShipmentState::Confirmed.as_str()));
    if let Some(carrier) = carrier {
        find = find.filter(shipment::Column::Carrier.eq(carrier));
    }
    find.one(db).await
}

/// A shipment by tracking number whatever its state (a carrier may call about one that is
/// still being confirmed).
pub async fn any_shipment_by_tracking(
    db: &impl ConnectionTrait,
    carrier: &str,
    tracking_number: &str,
) -> Result<Option<shipment::Model>, DbErr> {
    shipment::Entity::find()
        .filter(shipment::Column::TrackingNumber.eq(tracking_number))
        .filter(shipment::Column::Carrier.eq(carrier))
        .one(db)
        .await
}

/// The confirmed shipments of these orders, oldest first.
pub async fn shipments_of_orders(
    db: &impl ConnectionTrait,
    order_ids: &[Uuid],
) -> Result<Vec<shipment::Model>, DbErr> {
    shipment::Entity::find()
        .filter(shipment::Column::OrderId.is_in(order_ids.iter().copied()))
        .filter(shipment::Column::State.eq(ShipmentState::Confirmed.as_str()))
        .order_by_asc(shipment::Column::CreatedAt)
        .order_by_asc(shipment::Column::Id)
        .all(db)
        .await
}

/// Shipments still pending since before `before`, oldest first.
pub async fn stuck_shipments(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<shipment::Model>, DbErr> {
    shipment::Entity::find()
        .filter(shipment::Column::State.eq(ShipmentState::Pending.as_str()))
        .filter(shipment::Column::CreatedAt.lt(before))
        .order_by_asc(shipment::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await
}

pub async fn lines_of(
    db: &impl ConnectionTrait,
    shipment_ids: &[Uuid],
) -> Result<Vec<shipment_line::Model>, DbErr> {
    if shipment_ids.is_empty() {
        return Ok(Vec::new());
    }
    shipment_line::Entity::find()
        .filter(shipment_line::Column::ShipmentId.is_in(shipment_ids.iter().copied()))
        .order_by_asc(shipment_line::Column::Sku)
        .all(db)
        .await
}

/// The scans of these shipments, in the order they happened.
pub async fn events_of(
    db: &impl ConnectionTrait,
    shipment_ids: &[Uuid],
) -> Result<Vec<tracking_event::Model>, DbErr> {
    if shipment_ids.is_empty() {
        return Ok(Vec::new());
    }
    tracking_event::Entity::find()
        .filter(tracking_event::Column::ShipmentId.is_in(shipment_ids.iter().copied()))
        .order_by_asc(tracking_event::Column::OccurredAt)
        .order_by_asc(tracking_event::Column::RecordedAt)
        .order_by_asc(tracking_event::Column::Id)
        .all(db)
        .await
}

/// Marks a carrier event applied; false if it was already (a repeat).
pub async fn first_sight(
    db: &impl ConnectionTrait,
    carrier: &str,
    event_id: &str,
) -> Result<bool, DbErr> {
    let inserted = carrier_event::Entity::insert(carrier_event::ActiveModel {
        carrier: Set(carrier.to_owned()),
        event_id: Set(event_id.to_owned()),
        received_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([
            carrier_event::Column::Carrier,
            carrier_event::Column::EventId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await;
    // A conflict inserts nothing; `do_nothing` keeps a PostgreSQL transaction usable.
    match inserted {
        Ok(rows) => Ok(rows == 1),
        Err(DbErr::RecordNotInserted) => Ok(false),
        Err(err) => Err(err),
    }
}

/// Adds a scan to the timeline unless the same scan (status, time, description) is there.
pub async fn add_event(
    db: &impl ConnectionTrait,
    event: tracking_event::Model,
) -> Result<bool, DbErr> {
    let same = tracking_event::Entity::find()
        .filter(tracking_event::Column::ShipmentId.eq(event.shipment_id))
        .filter(tracking_event::Column::Status.eq(event.status.clone()))
        .filter(tracking_event::Column::OccurredAt.eq(event.occurred_at))
        .filter(tracking_event::Column::Description.eq(event.description.clone()))
        .count(db)
        .await?;
    if same > 0 {
        return Ok(false);
    }
    tracking_event::Entity::insert(tracking_event::ActiveModel::from(event))
        .exec_without_returning(db)
        .await?;
    Ok(true)
}

/// Sets where the shipment stands, if it still stands where `was` says (compare-and-set);
/// `delivered_at` is set once.
pub async fn move_standing(
    db: &impl ConnectionTrait,
    id: Uuid,
    was: Standing,
    now: Standing,
    delivered_at: Option<DateTime<Utc>>,
) -> Result<bool, DbErr> {
    let mut update = shipment::Entity::update_many()
        .col_expr(shipment::Column::Status, Expr::value(now.status.as_str()))
        .col_expr(shipment::Column::StatusAt, Expr::value(now.at))
        .col_expr(shipment::Column::Progress, Expr::value(now.progress))
        .col_expr(shipment::Column::UpdatedAt, Expr::value(Utc::now()));
    if let Some(at) = delivered_at {
        update = update.col_expr(shipment::Column::DeliveredAt, Expr::value(Some(at)));
    }
    Ok(update
        .filter(shipment::Column::Id.eq(id))
        .filter(shipment::Column::Status.eq(was.status.as_str()))
        .filter(shipment::Column::StatusAt.eq(was.at))
        .exec(db)
        .await?
        .rows_affected
        == 1)
}
