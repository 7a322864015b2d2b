//! What the schema reads: shipments of orders, their lines and timelines, and tracking by
//! number — each only for those who may see it.

use micromall_kit::auth::Viewer;
use sea_orm::DbErr;
use uuid::Uuid;

use super::Shipping;
use crate::entity::{shipment, shipment_line, tracking_event};
use crate::rules;
use crate::store;

/// A shipment as the API shows it.
pub type ShipmentView = shipment::Model;

impl Shipping {
    /// `trackShipment`: the shipment with this tracking number, for its customer and staff.
    pub async fn track(
        &self,
        viewer: &Viewer,
        tracking_number: &str,
    ) -> Result<Option<ShipmentView>, DbErr> {
        if tracking_number.is_empty() || tracking_number.len() > 64 {
            return Ok(None);
        }
        let shipment = store::shipment_by_tracking(&self.db, None, tracking_number).await?;
        Ok(shipment.filter(|s| rules::may_see(viewer, s.customer_id)))
    }

    /// One confirmed shipment, if `viewer` may see it (a malformed id is none).
    pub async fn shipment_seen_by(
        &self,
        viewer: &Viewer,
        id: &str,
    ) -> Result<Option<ShipmentView>, DbErr> {
        let Ok(id) = Uuid::parse_str(id) else {
            return Ok(None);
        };
        let shipment = store::shipment(&self.db, id).await?;
        Ok(shipment.filter(|s| {
            s.state == shipment::ShipmentState::Confirmed.as_str()
                && rules::may_see(viewer, s.customer_id)
        }))
    }

    /// The confirmed shipments of these orders, oldest first (for batch loading).
    pub async fn shipments_of_orders(
        &self,
        order_ids: &[Uuid],
    ) -> Result<Vec<ShipmentView>, DbErr> {
        store::shipments_of_orders(&self.db, order_ids).await
    }

    pub async fn lines_of(&self, ids: &[Uuid]) -> Result<Vec<shipment_line::Model>, DbErr> {
        store::lines_of(&self.db, ids).await
    }

    /// The timelines of these shipments, each in the order things happened.
    pub async fn events_of(&self, ids: &[Uuid]) -> Result<Vec<tracking_event::Model>, DbErr> {
        store::events_of(&self.db, ids).await
    }

    /// The shipments among `shipments` that `viewer` may see.
    pub fn seen_by(viewer: &Viewer, shipments: Vec<ShipmentView>) -> Vec<ShipmentView> {
        shipments
            .into_iter()
            .filter(|s| rules::may_see(viewer, s.customer_id))
            .collect()
    }
}
