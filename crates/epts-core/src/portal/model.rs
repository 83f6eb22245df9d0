//! What the portal's JSON API returns, with EEC R.019 element names.

use serde::{Deserialize, Serialize};

/// Who is logged in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Me {
    pub display_name: String,
    /// `person` or `legal_entity`.
    pub kind: String,
    /// «активна», «приостановлена», «требуется подтверждение».
    pub account_status: String,
    #[serde(default)]
    pub inn: Option<String>,
    #[serde(default)]
    pub ogrn: Option<String>,
}

/// One ePTS record as the list returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EptsSummary {
    pub vehicle_e_passport_id: String,
    pub document_status: String,
    #[serde(default)]
    pub vehicle_e_passport_kind_code: Option<String>,
    #[serde(default)]
    pub doc_creation_date: Option<String>,
    pub vehicle_identity_number_id: String,
    #[serde(default)]
    pub vehicle_make_name: Option<String>,
    #[serde(default)]
    pub vehicle_commercial_name: Option<String>,
    #[serde(default)]
    pub manufacture_year: Option<u16>,
    #[serde(default)]
    pub vehicle_category_code: Option<String>,
    #[serde(default)]
    pub vehicle_eco_class_code: Option<String>,
    #[serde(default)]
    pub business_entity_name: Option<String>,
    #[serde(default)]
    pub plate: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// One page of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EptsPage {
    pub items: Vec<EptsSummary>,
    pub page: usize,
    pub size: usize,
    pub total: usize,
    /// The portal's clock when it answered: the next sync's `updatedSince`.
    #[serde(default)]
    pub server_time: Option<String>,
}
