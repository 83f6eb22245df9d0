//! Synthetic ePTS data: records with valid identifiers (VIN check digits, ePTS numbers of the
//! real pattern, plates of the real alphabet) and invented owners, and extract-like PDFs.
//! Deterministic: record `n` is always the same, so tests and benchmarks can name it.

use epts_core::vault::EptsRecord;

/// Characters a VIN's serial part may use (no I, O, Q).
const VIN_SERIAL: &[u8] = b"0123456789ABCDEFGHJKLMNPRSTUVWXYZ";

/// A VIN with a valid check digit from a manufacturer code (WMI) and a serial number; the
/// check digit comes from the archive's own validator, so the two can never disagree.
pub fn vin(wmi: &str, serial: u64) -> String {
    let mut chars: Vec<u8> = format!("{wmi}000000").into_bytes();
    chars.truncate(8);
    chars.push(b'0');
    chars.push(VIN_SERIAL[(serial % 30) as usize + 3]);
    chars.extend(format!("{:07}", serial % 10_000_000).into_bytes());
    let draft = String::from_utf8_lossy(&chars).into_owned();
    let check = epts_core::ids::Vin::parse(&draft)
        .ok()
        .and_then(|v| v.expected_check_digit())
        .unwrap_or('0');
    format!("{}{check}{}", &draft[..8], &draft[9..])
}

/// (WMI, brand, models).
const BRANDS: [(&str, &str, &[&str]); 10] = [
    ("XTA", "LADA", &["Vesta", "Granta", "Niva Travel", "Largus"]),
    ("Z94", "Hyundai", &["Solaris", "Creta", "Tucson"]),
    ("XW8", "Volkswagen", &["Polo", "Tiguan"]),
    ("X7L", "Renault", &["Logan", "Duster", "Arkana"]),
    ("Z8T", "Haval", &["Jolion", "F7", "Dargo"]),
    ("LVV", "Chery", &["Tiggo 4", "Tiggo 7 Pro"]),
    ("XWE", "Kia", &["Rio", "Sportage", "K5"]),
    ("Z6F", "Ford", &["Focus", "Transit"]),
    ("X4X", "BMW", &["X5", "520d"]),
    ("L6T", "Geely", &["Coolray", "Monjaro", "Atlas"]),
];
const SURNAMES: [&str; 24] = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
];
const MEN: [&str; 12] = [
    "Александр",
    "Сергей",
    "Дмитрий",
    "Андрей",
    "Алексей",
    "Максим",
    "Иван",
    "Михаил",
    "Артём",
    "Николай",
    "Павел",
    "Олег",
];
const WOMEN: [&str; 12] = [
    "Елена",
    "Ольга",
    "Наталья",
    "Анна",
    "Мария",
    "Татьяна",
    "Ирина",
    "Екатерина",
    "Светлана",
    "Юлия",
    "Алевтина",
    "Дарья",
];
const FATHERS: [&str; 12] = [
    "Александров",
    "Сергеев",
    "Дмитриев",
    "Андреев",
    "Алексеев",
    "Максимов",
    "Иванов",
    "Михайлов",
    "Николаев",
    "Павлов",
    "Олегов",
    "Игорев",
];
const COMPANIES: [&str; 5] = [
    "ООО «Автодом Север»",
    "АО «Лизинговая компания Вектор»",
    "ООО «Транспортные решения»",
    "ООО «Каршеринг Плюс»",
    "ИП Сомов Виктор Андреевич",
];
const STATUSES: [&str; 7] = [
    "Действующий",
    "Действующий",
    "Действующий",
    "Действующий",
    "Погашенный",
    "Аннулированный",
    "Незавершенный",
];
const PLATE_LETTERS: [char; 12] = ['А', 'В', 'Е', 'К', 'М', 'Н', 'О', 'Р', 'С', 'Т', 'У', 'Х'];
const REGIONS: [&str; 12] = [
    "77", "50", "78", "47", "16", "66", "54", "23", "61", "52", "02", "74",
];
const COLOURS: [&str; 6] = [
    "белый",
    "чёрный",
    "серый",
    "серебристый",
    "синий",
    "красный",
];

/// A mixing step, so neighbouring records do not look alike.
fn mix(n: u64, salt: u64) -> u64 {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 29)
}

fn pick<T: Copy>(items: &[T], n: u64, salt: u64) -> T {
    items[(mix(n, salt) % items.len() as u64) as usize]
}

/// An invented person's full name, each word capitalised as docs/domain.md asks
/// («Search inputs and names»).
pub fn person(n: u64) -> String {
    let surname = pick(&SURNAMES, n, 1);
    if mix(n, 2).is_multiple_of(2) {
        format!("{surname} {} {}ич", pick(&MEN, n, 3), pick(&FATHERS, n, 4))
    } else {
        let surname = match surname.strip_suffix("ий") {
            Some(stem) => format!("{stem}ая"),
            None => format!("{surname}а"),
        };
        format!(
            "{surname} {} {}на",
            pick(&WOMEN, n, 3),
            pick(&FATHERS, n, 4)
        )
    }
}

/// The ePTS number of record `n`: kind 1, Russia (643), the real pattern.
pub fn epts_number(n: u64) -> String {
    format!("164301{:09}", n % 1_000_000_000)
}

/// Record `n` of a synthetic archive.
pub fn record(n: u64) -> EptsRecord {
    let (wmi, brand, models) = pick(&BRANDS, n, 5);
    let year = 2012 + (mix(n, 6) % 15) as u16;
    let letter = |salt| pick(&PLATE_LETTERS, n, salt);
    let owner = if mix(n, 7).is_multiple_of(6) {
        pick(&COMPANIES, n, 8).to_owned()
    } else {
        person(n)
    };
    let region = pick(&REGIONS, n, 9);
    let plate = (!mix(n, 10).is_multiple_of(7)).then(|| {
        format!(
            "{}{:03}{}{}{region}",
            letter(11),
            1 + mix(n, 12) % 999,
            letter(13),
            letter(14)
        )
    });
    let month = 1 + mix(n, 15) % 12;
    let day = 1 + mix(n, 16) % 28;
    let mut extra = serde_json::Map::new();
    let mut put = |k: &str, v: serde_json::Value| {
        extra.insert(k.to_owned(), v);
    };
    put("colour", pick(&COLOURS, n, 17).into());
    put("category", "M1".into());
    put("bodyType", "седан".into());
    put("ecoClass", "5".into());
    put("engineVolumeCm3", (1400 + (mix(n, 18) % 12) * 100).into());
    put("enginePowerHp", (90 + mix(n, 19) % 160).into());
    put("fuel", "бензин".into());
    put(
        "manufacturer",
        format!("{brand} (изготовитель условный)").into(),
    );
    if mix(n, 20).is_multiple_of(9) {
        put("restrictions", "залог: ООО «Банк Пример», 2024".into());
    }
    let has_restrictions = extra.contains_key("restrictions");
    EptsRecord {
        epts_number: epts_number(n),
        vin: vin(wmi, n),
        plate,
        status: pick(&STATUSES, n, 21).to_owned(),
        issue_date: Some(format!("{day:02}.{month:02}.{}", year.max(2019))),
        brand: Some(brand.to_owned()),
        model: Some(pick(models, n, 22).to_owned()),
        year: Some(year),
        owner: Some(owner),
        region: Some(region.to_owned()),
        has_restrictions,
        extra,
    }
}

/// An extract-like PDF for `record`, about `target_bytes` long (a scanned page's size is
/// stood in for by an incompressible stream, as scans are).
pub fn extract_pdf(record: &EptsRecord, target_bytes: usize) -> Vec<u8> {
    use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};
    let mut pdf = Pdf::new();
    let (catalog, pages, page, font, contents, noise) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
        Ref::new(6),
    );
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.media_box(Rect::new(0.0, 0.0, 595.0, 842.0))
        .parent(pages)
        .contents(contents);
    p.resources().fonts().pair(Name(b"F1"), font);
    p.finish();
    pdf.type1_font(font).base_font(Name(b"Helvetica"));
    let mut text = Content::new();
    text.begin_text()
        .set_font(Name(b"F1"), 12.0)
        .next_line(56.0, 780.0);
    // Helvetica has no Cyrillic: the Latin fields only (the sim's extracts carry the rest).
    for line in [
        format!("EPTS {}", record.epts_number),
        format!("VIN {}", record.vin),
        format!(
            "{} {}",
            record.brand.as_deref().unwrap_or(""),
            record.model.as_deref().unwrap_or("")
        ),
        format!("Year {}", record.year.unwrap_or_default()),
    ] {
        text.show(Str(line.as_bytes())).next_line(0.0, -18.0);
    }
    text.end_text();
    pdf.stream(contents, &text.finish());
    let mut state = mix(record.year.unwrap_or(0).into(), 23) | 1;
    let bytes: Vec<u8> = (0..target_bytes.saturating_sub(1200))
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    // An unreferenced stream still counts as the file's size, as a scan's image would.
    pdf.stream(noise, &bytes).filter(Filter::FlateDecode);
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use epts_core::ids::{EptsNumber, Plate, Vin};

    #[test]
    fn every_generated_identifier_is_valid() {
        for n in 0..2000 {
            let r = record(n);
            let vin = Vin::parse(&r.vin).map_err(|e| format!("{n}: {e}"));
            assert!(vin.as_ref().is_ok_and(Vin::check_digit_ok), "{n}: {vin:?}");
            assert!(EptsNumber::parse(&r.epts_number).is_ok(), "{n}");
            if let Some(plate) = &r.plate {
                assert!(Plate::parse(plate).is_ok(), "{n}: {plate}");
            }
        }
    }

    #[test]
    fn records_differ_and_are_reproducible() {
        assert_eq!(record(7), record(7));
        let owners: std::collections::HashSet<_> = (0..200).map(|n| record(n).owner).collect();
        assert!(owners.len() > 100, "{} distinct owners", owners.len());
        assert!(
            person(3)
                .split(' ')
                .all(|w| w.chars().next().is_some_and(char::is_uppercase))
        );
    }

    #[test]
    fn extract_pdfs_have_the_asked_size_and_are_pdfs() {
        let pdf = extract_pdf(&record(1), 100_000);
        assert!(pdf.starts_with(b"%PDF-"));
        assert!((95_000..110_000).contains(&pdf.len()), "{}", pdf.len());
    }
}
