//! Extract PDFs («Выписка из ЭПТС») with real, extractable Russian text.
//!
//! The text is set in DejaVu Sans (assets/, Bitstream Vera licence), embedded as a
//! CIDFontType2 with Identity-H encoding and a ToUnicode CMap, so `pdftotext` and the app's
//! extract parser get the words back. The font is subsetted per document to the glyphs the
//! page uses: a 500-vehicle sync downloads 500 extracts, each must stay small.

use crate::data::{Profile, Vehicle};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
const FONT_NAME: &str = "DejaVuSans";

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const LABEL_W: f32 = 190.0;
const GAP: f32 = 12.0;

/// Why an extract could not be made (only a broken embedded font can cause it).
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("embedded font: {0}")]
    Font(String),
}

/// The rows of an extract in its order, labels as a real extract prints them
/// (docs/domain.md, «Extract fields»).
pub fn rows(v: &Vehicle) -> Vec<(&'static str, String)> {
    let d = &v.details;
    let or_none = |s: Option<&str>| s.unwrap_or("отсутствует").to_owned();
    let owner_ids = match (&d.owner_inn, &d.owner_ogrn) {
        (Some(inn), Some(ogrn)) => format!("ИНН {inn}, ОГРН {ogrn}"),
        (Some(inn), None) => format!("ИНН {inn}"),
        _ => "сведения отсутствуют".to_owned(),
    };
    vec![
        ("Номер ЭПТС", v.vehicle_e_passport_id.clone()),
        ("Статус", v.document_status.to_owned()),
        ("Дата оформления", ru_date(&v.doc_creation_date)),
        ("VIN", v.vehicle_identity_number_id.clone()),
        ("Марка", v.vehicle_make_name.to_owned()),
        (
            "Коммерческое наименование",
            v.vehicle_commercial_name.to_owned(),
        ),
        ("Тип", d.vehicle_type_name.to_owned()),
        (
            "Категория ТР ТС 018/2011",
            v.vehicle_category_code.to_owned(),
        ),
        (
            "Категория по Конвенции",
            d.vehicle_convention_category_code.to_owned(),
        ),
        ("Год изготовления", v.manufacture_year.to_string()),
        (
            "Шасси (рама)",
            d.vehicle_frame_identity_number_id.to_owned(),
        ),
        (
            "Кузов (кабина, прицеп)",
            d.vehicle_body_identity_number_id.clone(),
        ),
        ("Тип кузова", d.vehicle_body_type_name.to_owned()),
        ("Цвет", d.vehicle_body_colour_name.to_owned()),
        ("Двигатель: тип", d.engine_type_name.to_owned()),
        ("Двигатель: модель", d.engine_model_name.to_owned()),
        ("Двигатель: номер", d.engine_identity_number_id.clone()),
        (
            "Рабочий объём, куб. см",
            d.engine_capacity_measure.to_string(),
        ),
        (
            "Максимальная мощность",
            format!(
                "{} кВт ({} л. с.)",
                d.engine_max_power_kw_measure, d.engine_max_power_hp_measure
            ),
        ),
        ("Вид топлива", d.fuel_kind_name.to_owned()),
        ("Экологический класс", v.vehicle_eco_class_code.to_owned()),
        (
            "Технически допустимая максимальная масса, кг",
            d.vehicle_max_weight_measure.to_string(),
        ),
        (
            "Масса в снаряжённом состоянии, кг",
            d.vehicle_curb_weight_measure.to_string(),
        ),
        (
            "ОТТС / СБКТС",
            format!(
                "{} от {}",
                d.vehicle_type_approval_number_id,
                ru_date(&d.vehicle_type_approval_date)
            ),
        ),
        ("Изготовитель", d.manufacturer_name.clone()),
        ("Адрес изготовителя", d.manufacturer_address.clone()),
        ("Таможенный орган", or_none(d.customs_name)),
        (
            "Таможенная декларация",
            or_none(d.customs_declaration_id.as_deref()),
        ),
        (
            "Таможенные ограничения",
            d.customs_restrictions_text.to_owned(),
        ),
        ("Утилизационный сбор", d.utilization_fee_text.to_owned()),
        ("Собственник", v.business_entity_name.clone()),
        ("Собственник: ИНН, ОГРН", owner_ids),
        ("Дата возникновения права", ru_date(&d.ownership_date)),
        (
            "Регистрационный знак",
            v.plate.clone().unwrap_or_else(|| "не присвоен".to_owned()),
        ),
        ("Ограничения (обременения)", d.restrictions_text.to_owned()),
        (
            "ЭРА-ГЛОНАСС: номер устройства",
            d.era_glonass_device_id.clone(),
        ),
    ]
}

/// `2026-03-15` (or a longer RFC 3339 value) as `15.03.2026`.
pub fn ru_date(iso: &str) -> String {
    match (iso.get(0..4), iso.get(5..7), iso.get(8..10)) {
        (Some(y), Some(m), Some(d)) => format!("{d}.{m}.{y}"),
        _ => iso.to_owned(),
    }
}

/// One line of text at a position, in points.
struct Line {
    x: f32,
    y: f32,
    size: f32,
    text: String,
}

/// The font, parsed once per document (parsing is cheap: ttf-parser borrows the bytes),
/// with its metrics looked up once per process: layout measures every character of every
/// extract, and a 500-vehicle sync asks for 500 extracts.
struct Font<'a> {
    face: ttf_parser::Face<'a>,
    per_em: f32,
    metrics: &'static Metrics,
}

/// Glyph ids of the characters below U+2070 (Latin, Cyrillic, punctuation) and the advance
/// of every glyph in 1/1000 em.
#[derive(Debug)]
struct Metrics {
    glyphs: Vec<u16>,
    advances: Vec<f32>,
}

static METRICS: std::sync::OnceLock<Metrics> = std::sync::OnceLock::new();
const TABLE_END: u32 = 0x2070;

fn lookup_glyph(face: &ttf_parser::Face<'_>, c: char) -> u16 {
    face.glyph_index(c)
        .or_else(|| face.glyph_index('?'))
        .map_or(0, |g| g.0)
}

impl<'a> Font<'a> {
    fn load() -> Result<Font<'a>, ExtractError> {
        let face =
            ttf_parser::Face::parse(FONT, 0).map_err(|e| ExtractError::Font(e.to_string()))?;
        let per_em = f32::from(face.units_per_em());
        let metrics = METRICS.get_or_init(|| Metrics {
            glyphs: (0..TABLE_END)
                .map(|code| char::from_u32(code).map_or(0, |c| lookup_glyph(&face, c)))
                .collect(),
            advances: (0..face.number_of_glyphs())
                .map(|g| {
                    f32::from(face.glyph_hor_advance(ttf_parser::GlyphId(g)).unwrap_or(0)) * 1000.0
                        / per_em
                })
                .collect(),
        });
        Ok(Font {
            face,
            per_em,
            metrics,
        })
    }

    fn glyph(&self, c: char) -> u16 {
        match self.metrics.glyphs.get(c as usize) {
            Some(g) => *g,
            None => lookup_glyph(&self.face, c),
        }
    }

    /// Advance width in 1/1000 em, as PDF widths are given.
    fn advance(&self, gid: u16) -> f32 {
        self.metrics
            .advances
            .get(usize::from(gid))
            .copied()
            .unwrap_or(0.0)
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advance(self.glyph(c)))
            .sum::<f32>()
            * size
            / 1000.0
    }

    /// Breaks `text` into lines no wider than `max` (words, then characters when a word
    /// alone is too wide). Each word is measured once: layout runs for every extract.
    fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let space = self.width(" ", size);
        let mut lines = Vec::new();
        let mut current = String::new();
        let mut current_w = 0.0;
        for word in text.split(' ') {
            let word_w = self.width(word, size);
            let gap = if current.is_empty() { 0.0 } else { space };
            if current_w + gap + word_w <= max {
                if !current.is_empty() {
                    current.push(' ');
                }
                current.push_str(word);
                current_w += gap + word_w;
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
                current_w = 0.0;
            }
            if word_w <= max {
                current.push_str(word);
                current_w = word_w;
                continue;
            }
            for c in word.chars() {
                let w = self.advance(self.glyph(c)) * size / 1000.0;
                if current_w + w > max && !current.is_empty() {
                    lines.push(std::mem::take(&mut current));
                    current_w = 0.0;
                }
                current.push(c);
                current_w += w;
            }
        }
        if !current.is_empty() || lines.is_empty() {
            lines.push(current);
        }
        lines
    }
}

/// Lays out the extract of `v` as lines on pages.
fn layout(font: &Font<'_>, v: &Vehicle, owner: &Profile, generated: &str) -> Vec<Vec<Line>> {
    let mut pages = vec![Vec::new()];
    let mut y = PAGE_H - MARGIN;
    let text_w = PAGE_W - 2.0 * MARGIN;
    let put = |pages: &mut Vec<Vec<Line>>, y: f32, x: f32, size: f32, text: String| {
        if let Some(page) = pages.last_mut() {
            page.push(Line { x, y, size, text });
        }
    };
    for line in font.wrap(
        "Выписка из электронного паспорта транспортного средства",
        15.0,
        text_w,
    ) {
        put(&mut pages, y, MARGIN, 15.0, line);
        y -= 20.0;
    }
    put(
        &mut pages,
        y,
        MARGIN,
        9.0,
        format!(
            "Сформирована {generated} по запросу: {}",
            owner.display_name
        ),
    );
    y -= 13.0;
    put(
        &mut pages,
        y,
        MARGIN,
        9.0,
        "Песочница портала ЭПТС: все сведения условные.".to_owned(),
    );
    y -= 22.0;
    let size = 9.5;
    let leading = 12.5;
    let value_x = MARGIN + LABEL_W + GAP;
    let value_w = PAGE_W - MARGIN - value_x;
    for (label, value) in rows(v) {
        let labels = font.wrap(label, size, LABEL_W);
        let values = font.wrap(&value, size, value_w);
        let height = leading * labels.len().max(values.len()) as f32;
        if y - height < MARGIN {
            pages.push(Vec::new());
            y = PAGE_H - MARGIN;
        }
        for (i, l) in labels.into_iter().enumerate() {
            put(&mut pages, y - leading * i as f32, MARGIN, size, l);
        }
        for (i, l) in values.into_iter().enumerate() {
            put(&mut pages, y - leading * i as f32, value_x, size, l);
        }
        y -= height + 3.0;
    }
    pages
}

fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// A subset tag (six capitals) naming this glyph set, as PDF asks of subsetted fonts.
fn subset_tag(glyphs: &BTreeMap<char, u16>) -> String {
    let mut h: u32 = 2_166_136_261;
    for (c, g) in glyphs {
        h = (h ^ u32::from(*c) ^ u32::from(*g)).wrapping_mul(16_777_619);
    }
    (0..6)
        .map(|i| char::from(b'A' + ((h >> (i * 5)) % 26) as u8))
        .collect()
}

/// A subsetted font program, compressed, and its length before compression.
#[derive(Debug)]
struct FontProgram {
    compressed: Vec<u8>,
    length: usize,
}

/// Recent subsets by glyph list: records of one make and colour use the same glyphs, so a
/// sync of many vehicles subsets and compresses the font far fewer times than it renders.
static SUBSETS: std::sync::Mutex<Option<HashMap<Vec<u16>, Arc<FontProgram>>>> =
    std::sync::Mutex::new(None);
const SUBSETS_KEPT: usize = 256;

fn subset_font(
    chars: &BTreeMap<char, u16>,
    remapper: &subsetter::GlyphRemapper,
) -> Result<Arc<FontProgram>, ExtractError> {
    // The remapper was filled in this order, so the list names the subset exactly.
    let key: Vec<u16> = chars.values().copied().collect();
    let cached = SUBSETS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .and_then(|m| m.get(&key).cloned());
    if let Some(program) = cached {
        return Ok(program);
    }
    let subset =
        subsetter::subset(FONT, 0, remapper).map_err(|e| ExtractError::Font(e.to_string()))?;
    let program = Arc::new(FontProgram {
        compressed: deflate(&subset),
        length: subset.len(),
    });
    let mut cache = SUBSETS.lock().unwrap_or_else(|p| p.into_inner());
    let map = cache.get_or_insert_with(HashMap::new);
    if map.len() >= SUBSETS_KEPT {
        map.clear();
    }
    map.insert(key, Arc::clone(&program));
    Ok(program)
}

/// Renders the extract of `v` for `owner`; `generated` is the «Сформирована» date-time text.
pub fn render(v: &Vehicle, owner: &Profile, generated: &str) -> Result<Vec<u8>, ExtractError> {
    let font = Font::load()?;
    let pages = layout(&font, v, owner, generated);

    // Glyphs in use: remapped to consecutive ids; the new id is the CID (subsetter keeps
    // an identity CID→GID mapping).
    let mut chars: BTreeMap<char, u16> = BTreeMap::new();
    for line in pages.iter().flatten() {
        for c in line.text.chars() {
            chars.entry(c).or_insert_with(|| font.glyph(c));
        }
    }
    let mut remapper = subsetter::GlyphRemapper::new();
    for gid in chars.values() {
        remapper.remap(*gid);
    }
    let font_program = subset_font(&chars, &remapper)?;
    let cid = |c: char| -> u16 {
        chars
            .get(&c)
            .and_then(|g| remapper.get(*g))
            .unwrap_or_default()
    };

    let mut pdf = Pdf::new();
    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let (catalog, tree, info) = (alloc(), alloc(), alloc());
    let (type0, cid_font, descriptor, font_file, to_unicode) =
        (alloc(), alloc(), alloc(), alloc(), alloc());
    let page_refs: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();

    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_refs.iter().map(|(p, _)| *p))
        .count(page_refs.len() as i32);
    pdf.document_info(info)
        .title(TextStr(&format!(
            "Выписка из ЭПТС {}",
            v.vehicle_e_passport_id
        )))
        .producer(TextStr("portal-sim"));

    let base_name = format!("{}+{FONT_NAME}", subset_tag(&chars));
    let base = Name(base_name.as_bytes());
    let system = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    pdf.type0_font(type0)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_font)
        .to_unicode(to_unicode);

    let mut widths = vec![0.0; usize::from(remapper.num_gids())];
    for gid in remapper.remapped_gids().collect::<Vec<_>>() {
        if let Some(w) = remapper
            .get(gid)
            .and_then(|new| widths.get_mut(usize::from(new)))
        {
            *w = font.advance(gid);
        }
    }
    let mut cf = pdf.cid_font(cid_font);
    cf.subtype(CidFontType::Type2)
        .base_font(base)
        .system_info(system)
        .font_descriptor(descriptor)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cf.widths().consecutive(0, widths);
    cf.finish();

    let scale = |v: i16| f32::from(v) * 1000.0 / font.per_em;
    let bbox = font.face.global_bounding_box();
    pdf.font_descriptor(descriptor)
        .name(base)
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(
            scale(bbox.x_min),
            scale(bbox.y_min),
            scale(bbox.x_max),
            scale(bbox.y_max),
        ))
        .italic_angle(0.0)
        .ascent(scale(font.face.ascender()))
        .descent(scale(font.face.descender()))
        .cap_height(scale(font.face.capital_height().unwrap_or(0)))
        .stem_v(80.0)
        .font_file2(font_file);
    pdf.stream(font_file, &font_program.compressed)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), font_program.length as i32);

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), system);
    let mut mapped = std::collections::BTreeSet::new();
    for c in chars.keys() {
        let id = cid(*c);
        if mapped.insert(id) {
            cmap.pair(id, *c);
        }
    }
    pdf.cmap(to_unicode, &deflate(&cmap.finish()))
        .filter(Filter::FlateDecode);

    for (lines, (page, contents)) in pages.iter().zip(&page_refs) {
        let mut p = pdf.page(*page);
        p.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(*contents);
        p.resources().fonts().pair(Name(b"F1"), type0);
        p.finish();
        let mut content = Content::new();
        for line in lines {
            let encoded: Vec<u8> = line
                .text
                .chars()
                .flat_map(|c| cid(c).to_be_bytes())
                .collect();
            content
                .begin_text()
                .set_font(Name(b"F1"), line.size)
                .next_line(line.x, line.y)
                .show(Str(&encoded))
                .end_text();
        }
        pdf.stream(*contents, &deflate(&content.finish()))
            .filter(Filter::FlateDecode);
    }
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_and_phrases_wrap_within_the_width() -> Result<(), ExtractError> {
        let font = Font::load()?;
        let lines = font.wrap(
            "445000, Российская Федерация, Самарская обл., г. Тольятти, ул. Заводская, д. 1",
            9.5,
            150.0,
        );
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| font.width(l, 9.5) <= 150.0));
        let long = font.wrap(&"Ж".repeat(80), 9.5, 100.0);
        assert!(long.len() > 1 && long.iter().all(|l| font.width(l, 9.5) <= 100.0));
        assert_eq!(long.concat(), "Ж".repeat(80), "nothing lost");
        assert_eq!(font.wrap("", 9.5, 100.0), [""]);
        Ok(())
    }

    #[test]
    fn dates_read_as_russians_write_them() {
        assert_eq!(ru_date("2026-03-15"), "15.03.2026");
        assert_eq!(ru_date("2026-03-15T10:00:00Z"), "15.03.2026");
        assert_eq!(ru_date("bad"), "bad");
    }
}
