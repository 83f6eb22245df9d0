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

fn vehicle(n: u64, owner: &str) -> Vehicle {
    let (wmi, make, model) = MODELS[(n % MODELS.len() as u64) as usize];
    let year = 2018 + (n % 8) as u16;
    let letter = |k: u64| PLATE_LETTERS[(k % 12) as usize];
    Vehicle {
        vehicle_e_passport_id: format!("164301{:09}", 27_000_000 + n),
        document_status: STATUSES[(n % 4) as usize],
        vehicle_e_passport_kind_code: "1",
        doc_creation_date: format!("{year}-{:02}-{:02}", 1 + n % 12, 1 + n % 28),
        vehicle_identity_number_id: vin(wmi, n),
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
                inn: Some("770123456703".into()),
                ogrn: None,
            },
            vehicles: (1..=3).map(|n| vehicle(n, owner_name)).collect(),
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
                inn: Some("7712345671".into()),
                ogrn: Some("1027700123450".into()),
            },
            vehicles: (100..600).map(|n| vehicle(n, dealer_name)).collect(),
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
