//! Synthetic people, organisations and vehicles. All invented: VINs carry valid check
//! digits, ePTS numbers follow the real pattern, names belong to nobody.

use serde::Serialize;

/// How a Gosuslugi account behaves at login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountState {
    /// A confirmed account linked to the portal.
    Ok,
    /// «Требуется подтверждение»: ESIA refuses to pass it to the portal.
    Unconfirmed,
    /// Logs in at ESIA, but the portal has no account for it.
    NotLinked,
    /// «Приостановлена»: blocked at ESIA before any attempt (as after 3 wrong passwords).
    Blocked,
}

/// A Gosuslugi account and, when linked, its cabinet.
#[derive(Debug, Clone)]
pub struct User {
    pub id: u32,
    /// Logins the user can type: phone, e-mail, СНИЛС.
    pub logins: Vec<String>,
    pub password: String,
    pub state: AccountState,
    pub profile: Profile,
    pub vehicles: Vec<Vehicle>,
}

/// Who is logged in, as the portal's `/api/v1/me` tells it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub display_name: String,
    /// `person` or `legal_entity`.
    pub kind: &'static str,
    /// «активна», «приостановлена», «требуется подтверждение».
    pub account_status: &'static str,
    pub inn: Option<String>,
    pub ogrn: Option<String>,
}

/// One ePTS as the cabinet lists it, with EEC R.019 element names.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Vehicle {
    pub vehicle_e_passport_id: String,
    pub document_status: &'static str,
    pub vehicle_e_passport_kind_code: &'static str,
    pub doc_creation_date: String,
    pub vehicle_identity_number_id: String,
    pub vehicle_make_name: &'static str,
    pub vehicle_commercial_name: &'static str,
    pub manufacture_year: u16,
    pub vehicle_category_code: &'static str,
    pub vehicle_eco_class_code: &'static str,
    pub business_entity_name: String,
    pub plate: Option<String>,
    /// When the record last changed (RFC 3339), for `updated_since`.
    pub updated_at: String,
    /// What the record card and the extract show beyond the list's columns.
    #[serde(skip)]
    pub details: Details,
    /// The journal of operations, oldest first.
    #[serde(skip)]
    pub history: Vec<HistoryEntry>,
}

/// The extract's fields beyond the list (docs/domain.md, «Extract fields»), R.019-style names.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Details {
    pub vehicle_type_name: &'static str,
    pub vehicle_body_type_name: &'static str,
    pub vehicle_convention_category_code: &'static str,
    pub vehicle_body_identity_number_id: String,
    pub vehicle_frame_identity_number_id: &'static str,
    pub vehicle_body_colour_name: &'static str,
    pub engine_type_name: &'static str,
    pub engine_model_name: &'static str,
    pub engine_identity_number_id: String,
    pub engine_capacity_measure: u32,
    pub engine_max_power_kw_measure: u32,
    pub engine_max_power_hp_measure: u32,
    pub fuel_kind_name: &'static str,
    pub vehicle_max_weight_measure: u32,
    pub vehicle_curb_weight_measure: u32,
    pub vehicle_type_approval_number_id: String,
    pub vehicle_type_approval_date: String,
    pub manufacturer_name: String,
    pub manufacturer_address: String,
    pub customs_name: Option<&'static str>,
    pub customs_declaration_id: Option<String>,
    pub customs_restrictions_text: &'static str,
    pub utilization_fee_text: &'static str,
    pub owner_inn: Option<String>,
    pub owner_ogrn: Option<String>,
    pub ownership_date: String,
    pub restrictions_text: &'static str,
    pub era_glonass_device_id: String,
}

/// One operation in a record's journal.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// RFC 3339.
    pub event_date: String,
    pub operation_name: String,
    pub description: String,
}

const VIN_WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
const VIN_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ";

fn vin_value(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A' | b'J' => 1,
        b'B' | b'K' | b'S' => 2,
        b'C' | b'L' | b'T' => 3,
        b'D' | b'M' | b'U' => 4,
        b'E' | b'N' | b'V' => 5,
        b'F' | b'W' => 6,
        b'G' | b'P' | b'X' => 7,
        b'H' | b'Y' => 8,
        _ => 9,
    }
}

/// A VIN with a valid check digit, from a manufacturer code and a serial.
pub fn vin(wmi: &str, n: u64) -> String {
    let mut chars: Vec<u8> = format!("{wmi}000000").into_bytes();
    chars.truncate(8);
    chars.push(b'0');
    chars.push(VIN_ALPHABET[(n % 30) as usize + 3]);
    chars.extend(format!("{:07}", n % 10_000_000).into_bytes());
    let sum: u32 = chars
        .iter()
        .zip(VIN_WEIGHTS)
        .map(|(c, w)| vin_value(*c) * w)
        .sum();
    chars[8] = match sum % 11 {
        10 => b'X',
        d => b'0' + d as u8,
    };
    String::from_utf8_lossy(&chars).into_owned()
}

const MODELS: [(&str, &str, &str); 6] = [
    ("XTA", "LADA", "Vesta"),
    ("XTA", "LADA", "Granta"),
    ("Z94", "Hyundai", "Solaris"),
    ("XW8", "Volkswagen", "Polo"),
    ("X7L", "Renault", "Logan"),
    ("Z8T", "Haval", "Jolion"),
];
const STATUSES: [&str; 4] = ["Действующий", "Действующий", "Действующий", "Погашенный"];
const PLATE_LETTERS: [char; 12] = ['А', 'В', 'Е', 'К', 'М', 'Н', 'О', 'Р', 'С', 'Т', 'У', 'Х'];

/// Who owns a synthetic vehicle, as its extract names them.
struct Owner<'a> {
    name: &'a str,
    inn: Option<&'a str>,
    ogrn: Option<&'a str>,
}

const COLOURS: [&str; 6] = [
    "белый",
    "чёрный",
    "серый",
    "серебристый",
    "синий",
    "красный",
];
const BODIES: [&str; 3] = ["седан", "хэтчбек", "универсал"];
/// Engine model per make, in MODELS' order.
const ENGINES: [&str; 6] = ["21129", "11186", "G4FG", "CWVA", "K7M", "GW4B15A"];

fn details(n: u64, make: &str, vin: &str, year: u16, owner: &Owner<'_>) -> Details {
    let engine = ENGINES[(n % MODELS.len() as u64) as usize];
    let volume = 1400 + (n % 3) as u32 * 100;
    let kw = 66 + (n % 40) as u32;
    // Imported makes carry a customs declaration (`\d{8}/\d{6}/\d{7}`, docs/domain.md,
    // «ePTS identifiers»).
    let imported = !matches!(make, "LADA");
    Details {
        vehicle_type_name: "легковой автомобиль",
        vehicle_body_type_name: BODIES[(n % 3) as usize],
        vehicle_convention_category_code: "B",
        vehicle_body_identity_number_id: vin.to_owned(),
        vehicle_frame_identity_number_id: "отсутствует",
        vehicle_body_colour_name: COLOURS[(n % 6) as usize],
        engine_type_name: "бензиновый, 4-тактный",
        engine_model_name: engine,
        engine_identity_number_id: format!(
            "{}{:06}",
            (b'A' + (n % 20) as u8) as char,
            n % 1_000_000
        ),
        engine_capacity_measure: volume,
        engine_max_power_kw_measure: kw,
        engine_max_power_hp_measure: kw * 136 / 100,
        fuel_kind_name: "бензин",
        vehicle_max_weight_measure: 1550 + (n % 10) as u32 * 10,
        vehicle_curb_weight_measure: 1150 + (n % 10) as u32 * 10,
        vehicle_type_approval_number_id: format!("ТС RU E-RU.МТ02.00{:03}.Р1", 100 + n % 900),
        vehicle_type_approval_date: format!("{}-03-15", year.saturating_sub(1)),
        manufacturer_name: format!("{make} (изготовитель условный)"),
        manufacturer_address: format!(
            "445000, Российская Федерация, Самарская обл., г. Тольятти, ул. Заводская, д. {}",
            1 + n % 90
        ),
        customs_name: imported.then_some("Центральная акцизная таможня"),
        customs_declaration_id: imported.then(|| {
            format!(
                "10009100/{:02}{:02}{:02}/{:07}",
                1 + n % 28,
                1 + n % 12,
                year % 100,
                n
            )
        }),
        customs_restrictions_text: "отсутствуют",
        utilization_fee_text: "уплачен, 20 000 руб.",
        owner_inn: owner.inn.map(str::to_owned),
        owner_ogrn: owner.ogrn.map(str::to_owned),
        ownership_date: format!("{year}-{:02}-{:02}", 1 + n % 12, 1 + n % 28),
        restrictions_text: if n.is_multiple_of(9) {
            "залог: ООО «Банк Пример» (условный), 2025"
        } else {
            "отсутствуют"
        },
        era_glonass_device_id: format!("8670{:011}", 40_000_000_000 + n * 7919),
    }
}

fn history(v: &Vehicle) -> Vec<HistoryEntry> {
    let mut out = vec![HistoryEntry {
        event_date: format!("{}T09:00:00Z", v.doc_creation_date),
        operation_name: "Оформление ЭПТС".into(),
        description: "Паспорт оформлен изготовителем".into(),
    }];
    out.push(HistoryEntry {
        event_date: format!("{}T12:00:00Z", v.details.ownership_date),
        operation_name: "Изменение собственника".into(),
        description: format!("Собственник: {}", v.business_entity_name),
    });
    if let Some(plate) = &v.plate {
        out.push(HistoryEntry {
            event_date: format!("{}T15:00:00Z", v.details.ownership_date),
            operation_name: "Регистрационное действие".into(),
            description: format!("Регистрация ТС, знак {plate}"),
        });
    }
    if v.document_status == "Погашенный" {
        out.push(HistoryEntry {
            event_date: v.updated_at.clone(),
            operation_name: "Погашение ЭПТС".into(),
            description: "Паспорт погашен по заявлению собственника".into(),
        });
    }
    out
}

fn vehicle(n: u64, owner: &Owner<'_>) -> Vehicle {
    let mut v = summary(n, owner.name);
    v.details = details(
        n,
        v.vehicle_make_name,
        &v.vehicle_identity_number_id,
        v.manufacture_year,
        owner,
    );
    v.history = history(&v);
    v
}

/// The list's fields of vehicle `n`; they stay as the first stand-in made them, because the
/// app's tests name records by them.
fn summary(n: u64, owner: &str) -> Vehicle {
    let (wmi, make, model) = MODELS[(n % MODELS.len() as u64) as usize];
    let year = 2018 + (n % 8) as u16;
    let letter = |k: u64| PLATE_LETTERS[(k % 12) as usize];
    let vin = vin(wmi, n);
    Vehicle {
        vehicle_e_passport_id: format!("164301{:09}", 27_000_000 + n),
        document_status: STATUSES[(n % 4) as usize],
        vehicle_e_passport_kind_code: "1",
        doc_creation_date: format!("{year}-{:02}-{:02}", 1 + n % 12, 1 + n % 28),
        details: Details::default(),
        history: Vec::new(),
        vehicle_identity_number_id: vin,
        vehicle_make_name: make,
        vehicle_commercial_name: model,
        manufacture_year: year,
        vehicle_category_code: "M1",
        vehicle_eco_class_code: "5",
        business_entity_name: owner.to_owned(),
        plate: (!n.is_multiple_of(5)).then(|| {
            format!(
                "{}{:03}{}{}77",
                letter(n),
                1 + n % 999,
                letter(n / 12),
                letter(n / 144)
            )
        }),
        updated_at: format!("2026-{:02}-{:02}T10:00:00Z", 1 + n % 10, 1 + n % 28),
    }
}

/// The owner's ИНН (12 digits) and the dealership's ИНН and ОГРН: invented, valid checksums.
pub const OWNER_INN: &str = "770123456703";
pub const DEALER_INN: &str = "7712345671";
pub const DEALER_OGRN: &str = "1027700123450";

/// The accounts the stand-in knows. Passwords are public test values.
pub fn users() -> Vec<User> {
    let owner_name = "Петров Иван Сергеевич";
    let dealer_name = "ООО «Автодом Север»";
    vec![
        User {
            id: 1,
            logins: vec![
                "+79990000001".into(),
                "owner@example.ru".into(),
                "11223344595".into(),
            ],
            password: "owner-pass".into(),
            state: AccountState::Ok,
            profile: Profile {
                display_name: owner_name.into(),
                kind: "person",
                account_status: "активна",
                inn: Some(OWNER_INN.into()),
                ogrn: None,
            },
            vehicles: (1..=3)
                .map(|n| {
                    vehicle(
                        n,
                        &Owner {
                            name: owner_name,
                            inn: Some(OWNER_INN),
                            ogrn: None,
                        },
                    )
                })
                .collect(),
        },
        User {
            id: 2,
            logins: vec!["dealer@example.ru".into(), "+79990000002".into()],
            password: "dealer-pass".into(),
            state: AccountState::Ok,
            profile: Profile {
                display_name: dealer_name.into(),
                kind: "legal_entity",
                account_status: "активна",
                inn: Some(DEALER_INN.into()),
                ogrn: Some(DEALER_OGRN.into()),
            },
            vehicles: (100..600)
                .map(|n| {
                    vehicle(
                        n,
                        &Owner {
                            name: dealer_name,
                            inn: Some(DEALER_INN),
                            ogrn: Some(DEALER_OGRN),
                        },
                    )
                })
                .collect(),
        },
        User {
            id: 3,
            logins: vec!["unconfirmed@example.ru".into()],
            password: "unconfirmed-pass".into(),
            state: AccountState::Unconfirmed,
            profile: Profile {
                display_name: "Сидорова Анна Павловна".into(),
                kind: "person",
                account_status: "требуется подтверждение",
                inn: None,
                ogrn: None,
            },
            vehicles: Vec::new(),
        },
        User {
            id: 4,
            logins: vec!["nolink@example.ru".into()],
            password: "nolink-pass".into(),
            state: AccountState::NotLinked,
            profile: Profile {
                display_name: "Кузнецов Олег Викторович".into(),
                kind: "person",
                account_status: "активна",
                inn: None,
                ogrn: None,
            },
            vehicles: Vec::new(),
        },
        User {
            id: 5,
            logins: vec!["blocked@example.ru".into()],
            password: "blocked-pass".into(),
            state: AccountState::Blocked,
            profile: Profile {
                display_name: "Морозов Павел Андреевич".into(),
                kind: "person",
                account_status: "приостановлена",
                inn: None,
                ogrn: None,
            },
            vehicles: Vec::new(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_digit_ok(v: &str) -> bool {
        let b = v.as_bytes();
        let sum: u32 = b
            .iter()
            .zip(VIN_WEIGHTS)
            .map(|(c, w)| vin_value(*c) * w)
            .sum();
        let want = match sum % 11 {
            10 => b'X',
            d => b'0' + d as u8,
        };
        b[8] == want
    }

    fn digits(s: &str) -> Vec<u32> {
        s.chars().filter_map(|c| c.to_digit(10)).collect()
    }

    fn inn_ok(inn: &str) -> bool {
        let d = digits(inn);
        let check = |w: &[u32]| w.iter().zip(&d).map(|(w, d)| w * d).sum::<u32>() % 11 % 10;
        match d.len() {
            10 => check(&[2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[9],
            12 => {
                check(&[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[10]
                    && check(&[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[11]
            }
            _ => false,
        }
    }

    fn ogrn_ok(ogrn: &str) -> bool {
        ogrn.len() == 13
            && ogrn[..12]
                .parse::<u64>()
                .is_ok_and(|n| (n % 11 % 10) as u32 == digits(ogrn)[12])
    }

    #[test]
    fn organisations_and_people_have_valid_inn_and_ogrn() {
        assert!(inn_ok(OWNER_INN) && inn_ok(DEALER_INN) && ogrn_ok(DEALER_OGRN));
        assert!(!inn_ok("7712345670") && !ogrn_ok("1027700123451"));
        for u in users() {
            assert!(u.profile.inn.as_deref().is_none_or(inn_ok), "{}", u.id);
            assert!(u.profile.ogrn.as_deref().is_none_or(ogrn_ok), "{}", u.id);
            for v in &u.vehicles {
                assert_eq!(v.details.owner_inn, u.profile.inn);
                if let Some(d) = &v.details.customs_declaration_id {
                    let parts: Vec<usize> = d.split('/').map(str::len).collect();
                    assert_eq!(parts, [8, 6, 7], "{d}");
                }
            }
        }
    }

    #[test]
    fn synthetic_vehicles_have_valid_vins_and_unique_numbers() {
        let users = users();
        let dealer = &users[1];
        assert_eq!(dealer.vehicles.len(), 500);
        let mut numbers = std::collections::BTreeSet::new();
        for v in users.iter().flat_map(|u| &u.vehicles) {
            assert_eq!(v.vehicle_identity_number_id.len(), 17);
            assert!(
                check_digit_ok(&v.vehicle_identity_number_id),
                "{}",
                v.vehicle_identity_number_id
            );
            assert!(!v.vehicle_identity_number_id.contains(['I', 'O', 'Q']));
            assert_eq!(v.vehicle_e_passport_id.len(), 15);
            assert!(
                numbers.insert(v.vehicle_e_passport_id.clone()),
                "unique ePTS numbers"
            );
        }
    }
}
