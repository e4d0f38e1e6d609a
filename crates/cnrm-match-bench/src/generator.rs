//! A synthetic population of Malian returnees registered several times, with the true persons known.
//!
//! Names follow a skewed (Zipf-like) distribution so that a few surnames (Traoré, Coulibaly,
//! Diarra, Keïta…) cover a large share of the population, as they do in Mali. Birth dates mix full
//! dates, year-only dates and 01/01 placeholders; regions and cercles come from the reference
//! P-code list. Duplicate registrations carry the errors seen in the field, each tagged so the
//! harness can say which kinds of duplicates it still misses.
//!
//! Identity documents follow what registrations of returnees carry (an assumption stated here, not
//! a measurement): a returnee assisted back from Libya, Niger or Algeria usually travels on a
//! laissez-passer issued by a Malian consulate (a new one for each return), fewer have a passport,
//! a minority give their NINA (national number) or a consular card. The first registration (at
//! arrival) records the travel document most of the time; later ones, by organisations in the
//! regions, record a document less often and not always the same one. A duplicate may carry its
//! number re-typed with one error, or a different number of the same kind (a renewed passport, the
//! laissez-passer of another return). Some clerks type a placeholder ("000000", "néant").
//!
//! The filiation (father's given name, mother's name) is what Malian civil documents write after
//! a name ("fils de Mamadou et de Fatoumata Diarra"); registrations ask it, and a returnee knows
//! it even without papers. Assumed here (not measured): a registration records it 3 times in 4,
//! the first as often as a later one, because it is asked aloud on one form shared by every
//! organisation (documents, by contrast, need the paper at hand); sometimes only the father is
//! given, the mother's name is
//! written given name first or family name first, or her given name alone, in its own spelling
//! variants and with typos. Parents make namesakes tell apart, so the population also holds
//! siblings (6 % of persons have a brother or sister among the returnees): same family name, same
//! parents, same place, a few years apart, sometimes the family's phone. They are different
//! persons whose filiation agrees, so the matcher cannot treat a shared filiation as proof.
//! Parents and siblings, and what each registration records of the filiation, draw from random
//! streams of their own, so the rate of recording changes nothing else.

use cnrm_match::{BirthDate, Record, Sex};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Surnames: (spelling variants seen in registers, relative weight).
const SURNAMES: &[(&[&str], f64)] = &[
    (&["Traoré", "Traore", "Traorè"], 90.0),
    (&["Coulibaly", "Kulibali", "Koulibaly", "Coulibali"], 80.0),
    (&["Diarra", "Jara", "Djarra", "Diara"], 60.0),
    (&["Keïta", "Keita", "Kéita"], 50.0),
    (&["Koné", "Kone"], 45.0),
    (&["Touré", "Toure"], 40.0),
    (&["Diallo", "Jallo", "Djallo"], 40.0),
    (&["Camara", "Kamara"], 30.0),
    (&["Cissé", "Cisse", "Sissé"], 30.0),
    (&["Sangaré", "Sangare"], 25.0),
    (&["Konaté", "Konate"], 22.0),
    (&["Dembélé", "Dembele"], 22.0),
    (&["Doumbia", "Dumbia", "Doumbiya"], 20.0),
    (&["Sidibé", "Sidibe"], 18.0),
    (&["Maïga", "Maiga"], 18.0),
    (&["Diakité", "Diakite", "Jakite"], 16.0),
    (&["Sissoko"], 15.0),
    (&["Samaké", "Samake"], 14.0),
    (&["Sanogo"], 14.0),
    (&["Kanté", "Kante"], 12.0),
    (&["Fofana"], 12.0),
    (&["Bagayoko", "Bagayogo"], 11.0),
    (&["Ballo", "Balo"], 10.0),
    (&["Kouyaté", "Kouyate", "Kuyate"], 10.0),
    (&["Guindo"], 10.0),
    (&["Dicko", "Diko"], 9.0),
    (&["Sow", "Sao"], 9.0),
    (&["Ba", "Bah"], 9.0),
    (&["Haïdara", "Haidara", "Aidara"], 8.0),
    (&["Dramé", "Drame"], 8.0),
    (&["Niaré", "Niare"], 7.0),
    (&["Tangara"], 7.0),
    (&["Bouaré", "Bouare"], 7.0),
    (&["Mariko"], 7.0),
    (&["Goïta", "Goita"], 6.0),
    (&["Sacko", "Sako"], 6.0),
    (&["Soumaré", "Soumare"], 6.0),
    (&["Sylla", "Sila"], 6.0),
    (&["Tounkara"], 6.0),
    (&["Kassambara"], 5.0),
    (&["Ouattara", "Wattara"], 5.0),
    (&["Berthé", "Berthe"], 5.0),
    (&["Dao"], 5.0),
    (&["Fomba"], 5.0),
    (&["Kané", "Kane"], 5.0),
    (&["Magassa"], 5.0),
    (&["Ndiaye", "N'Diaye"], 4.0),
    (&["Sy", "Si"], 4.0),
    (&["Thiam", "Tiam"], 4.0),
    (&["Tall"], 4.0),
    (&["Yattara", "Yatara"], 4.0),
    (&["Togo"], 4.0),
    (&["Kamissoko"], 4.0),
    (&["Sylla"], 3.0),
    (&["Dembélé"], 3.0),
    (&["Diabaté", "Diabate", "Jabate"], 4.0),
    (&["Djiré", "Diré", "Jire"], 3.0),
    (&["Simpara"], 3.0),
    (&["Soumano"], 3.0),
    (&["Sinayoko"], 3.0),
    (&["Tembely", "Tembeli"], 3.0),
    (&["Karembé", "Karembe"], 3.0),
    (&["Ag Mohamed", "Mohamed"], 2.0),
    (&["Ould Ahmed", "Ahmed"], 2.0),
    (&["Ag Intalla", "Intalla"], 2.0),
    (&["Dagnoko"], 2.0),
    (&["Diawara", "Jawara"], 3.0),
    (&["Gakou", "Gakkou"], 2.0),
    (&["Kébé", "Kebe"], 2.0),
    (&["Mangané", "Mangane"], 2.0),
    (&["Niangaly", "Niangali"], 2.0),
    (&["Sinaba"], 2.0),
    (&["Tapily", "Tapili"], 2.0),
    (&["Timbiné", "Timbine"], 2.0),
    (&["Wagué", "Wague"], 2.0),
    (&["Zerbo"], 2.0),
];

const MALE: &[(&[&str], f64)] = &[
    (&["Mamadou", "Mahamadou", "Mohamed", "Mohammed"], 80.0),
    (&["Moussa", "Musa"], 50.0),
    (&["Ibrahim", "Ibrahima"], 35.0),
    (&["Oumar", "Omar"], 30.0),
    (&["Boubacar", "Bakary", "Aboubacar"], 35.0),
    (&["Seydou", "Seidou"], 25.0),
    (&["Adama"], 30.0),
    (&["Souleymane", "Souleimane", "Suleyman"], 25.0),
    (&["Amadou", "Hamadou", "Ahmadou"], 30.0),
    (&["Abdoulaye", "Abdoulahi"], 25.0),
    (&["Modibo"], 12.0),
    (&["Drissa", "Idrissa"], 15.0),
    (&["Lassana", "Lassina"], 12.0),
    (&["Siaka"], 10.0),
    (&["Yacouba", "Yakouba"], 12.0),
    (&["Sékou", "Sekou"], 15.0),
    (&["Issa"], 12.0),
    (&["Youssouf", "Yusuf"], 12.0),
    (&["Alassane", "Alhassane"], 10.0),
    (&["Cheick", "Cheickna", "Cheikh"], 10.0),
    (&["Bourama", "Bourahima"], 8.0),
    (&["Dramane", "Abdramane"], 8.0),
    (&["Abdoul Karim", "Abdoulkarim", "Karim"], 6.0),
    (&["Salif", "Salifou"], 8.0),
    (&["Mahamane"], 5.0),
    (&["Ousmane", "Usman"], 15.0),
    (&["Tiémoko", "Tiemoko"], 6.0),
    (&["Fousseyni", "Fousseni"], 6.0),
    (&["Bréhima", "Brehima"], 6.0),
    (&["Daouda"], 6.0),
    (&["Hamidou"], 4.0),
    (&["Kalilou"], 5.0),
    (&["Mahamoud", "Mahmoud"], 4.0),
    (&["Nouhoum"], 4.0),
    (&["Oumarou"], 3.0),
    (&["Sidiki"], 4.0),
    (&["Soumaïla", "Soumaila"], 5.0),
    (&["Tidiane", "Tidjane"], 3.0),
    (&["Zoumana"], 3.0),
    (&["Bakary"], 3.0),
];

const FEMALE: &[(&[&str], f64)] = &[
    (&["Fatoumata", "Fatimata", "Fanta"], 70.0),
    (&["Aminata", "Aminatou"], 45.0),
    (&["Mariam", "Mariama", "Mariame"], 40.0),
    (&["Kadiatou", "Kadidia", "Kadidiatou"], 30.0),
    (&["Aïssata", "Aissata", "Aïcha"], 25.0),
    (&["Awa", "Hawa"], 30.0),
    (&["Oumou", "Oumy"], 25.0),
    (&["Djénéba", "Djeneba", "Jeneba"], 22.0),
    (&["Salimata", "Salimatou"], 15.0),
    (&["Assitan", "Assita"], 15.0),
    (&["Bintou", "Binta"], 12.0),
    (&["Rokia", "Rokiatou"], 15.0),
    (&["Nana"], 8.0),
    (&["Ramata", "Ramatou"], 8.0),
    (&["Safiatou"], 6.0),
    (&["Korotoumou"], 6.0),
    (&["Sira"], 6.0),
    (&["Kadidiatou"], 4.0),
    (&["Maimouna", "Maïmouna"], 10.0),
    (&["Sanata"], 6.0),
    (&["Tenin", "Téné"], 5.0),
    (&["Haby", "Habi"], 5.0),
    (&["Nènè", "Nene"], 5.0),
    (&["Sitan"], 5.0),
    (&["Massaran"], 3.0),
    (&["Coumba", "Kumba"], 6.0),
    (&["Fily"], 3.0),
    (&["Agaïchatou", "Agaichatou"], 2.0),
];

/// Compound second given names (a share of people have two).
const SECOND: &[&str] = &["Lamine", "Sidi", "Baba", "Madou", "Bintou", "Ali", "Kader"];

/// Error types carried by duplicate registrations (bit flags).
pub const ERRORS: &[(u16, &str)] = &[
    (1, "spelling variant"),
    (2, "names swapped"),
    (4, "year-only date"),
    (8, "01/01 placeholder"),
    (16, "new phone"),
    (32, "typo"),
    (64, "missing field"),
    (128, "date typo"),
    (256, "other cercle"),
    (512, "document typo"),
    (1024, "new document"),
];

/// A generated dataset.
pub struct Dataset {
    pub records: Vec<Record>,
    /// True person of each record.
    pub truth: Vec<u32>,
    /// Errors carried by each record (0 for a person's first registration).
    pub errors: Vec<u16>,
}

struct Weighted<T: Copy> {
    items: Vec<T>,
    cumulative: Vec<f64>,
}

impl<T: Copy> Weighted<T> {
    fn new(items: impl IntoIterator<Item = (T, f64)>) -> Self {
        let mut acc = 0.0;
        let (items, cumulative) = items
            .into_iter()
            .map(|(t, w)| {
                acc += w;
                (t, acc)
            })
            .unzip();
        Weighted { items, cumulative }
    }
    fn pick(&self, rng: &mut impl Rng) -> T {
        let x = rng.gen::<f64>() * self.cumulative.last().copied().unwrap_or(1.0);
        let i = self.cumulative.partition_point(|&c| c < x).min(self.items.len() - 1);
        self.items[i]
    }
}

/// Regions and cercles from the reference P-code list, weighted towards the regions most
/// returnees come from (Kayes above all).
fn places() -> Vec<((&'static str, &'static str), f64)> {
    let csv = include_str!("../../../data/mali/admin_units.csv");
    let mut regions = std::collections::HashMap::new();
    let mut out = Vec::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 5 {
            continue;
        }
        if f[0] == "1" {
            regions.insert(f[1], f[4]);
        }
    }
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 5 || f[0] != "2" {
            continue;
        }
        let region = regions.get(f[2]).copied().unwrap_or("");
        let weight = match region {
            "Kayes" => 6.0,
            "Koulikoro" | "Bamako" => 3.0,
            "Sikasso" | "Ségou" => 2.0,
            _ => 1.0,
        };
        out.push(((region, f[4]), weight));
    }
    out
}

fn strip_accents(s: &str) -> String {
    cnrm_match::normalize::fold(s)
        .split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Surface noise every clerk adds: upper case, accents dropped.
fn surface(s: &str, rng: &mut impl Rng) -> String {
    let x: f64 = rng.gen();
    if x < 0.25 {
        s.to_uppercase()
    } else if x < 0.5 {
        strip_accents(s)
    } else {
        s.to_string()
    }
}

fn typo(s: &str, rng: &mut impl Rng) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 3 {
        return s.to_string();
    }
    let i = rng.gen_range(1..c.len());
    let letters = "abdeiklmnorstu";
    let l = letters.chars().nth(rng.gen_range(0..letters.len())).unwrap_or('a');
    match rng.gen_range(0..4) {
        0 => {
            c.remove(i);
        }
        1 => c.insert(i, l),
        2 => c[i] = l,
        _ => c.swap(i - 1, i),
    }
    c.into_iter().collect()
}

#[derive(Clone)]
struct Person {
    family: usize,
    given: usize,
    second: Option<&'static str>,
    sex: Sex,
    birth: BirthDate,
    /// How the birth date was first known.
    precision: u8,
    phone: Option<u32>,
    place: (&'static str, &'static str),
    /// (kind code, number) of each document the person holds.
    documents: Vec<(&'static str, String)>,
    /// Father's given name (index in MALE), mother's given name (FEMALE) and family name
    /// (SURNAMES).
    father: usize,
    mother: (usize, usize),
}

fn digits(n: usize, rng: &mut impl Rng) -> String {
    (0..n).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect()
}

fn letter(rng: &mut impl Rng) -> char {
    char::from(b'A' + rng.gen_range(0..26u8))
}

/// A document number of a kind, in the shape it is printed.
fn document_number(kind: &str, rng: &mut impl Rng) -> String {
    match kind {
        // NINA: 14 digits and a letter.
        "nina" => format!("{}{}", digits(14, rng), letter(rng)),
        // Passport: two letters, seven digits.
        "passport" => format!("{}{}{}", char::from(b'A' + rng.gen_range(0..4u8)), letter(rng), digits(7, rng)),
        // Laissez-passer: consulate code, year, serial.
        "laissez_passer" => {
            let consulate = ["TRP", "NIA", "ALG", "ABJ", "DKR", "RBT"][rng.gen_range(0..6)];
            format!("{consulate}/{}/{}", rng.gen_range(2015..=2025), digits(5, rng))
        }
        _ => format!("CC{}", digits(7, rng)),
    }
}

/// The documents a person holds. Returnees come back in groups (a charter flight from Tripoli or
/// Niamey) whose laissez-passers were issued in one series: `flight` keeps the last number issued,
/// and most laissez-passers follow it, so two strangers of one flight often hold numbers one
/// character apart.
fn documents(flight: &mut Option<(String, u32)>, rng: &mut impl Rng) -> Vec<(&'static str, String)> {
    let mut d = Vec::new();
    for (kind, share) in [("laissez_passer", 0.45), ("passport", 0.22), ("nina", 0.30), ("consular_card", 0.08)] {
        if rng.gen_bool(share) {
            let number = match (kind, flight.as_mut()) {
                ("laissez_passer", Some((series, serial))) if rng.gen_bool(0.7) => {
                    *serial += 1;
                    format!("{series}/{:05}", *serial % 100_000)
                }
                ("laissez_passer", _) => {
                    let number = document_number(kind, rng);
                    let (series, serial) = number.rsplit_once('/').unwrap_or(("", "0"));
                    *flight = Some((series.to_string(), serial.parse().unwrap_or(0)));
                    number
                }
                _ => document_number(kind, rng),
            };
            d.push((kind, number));
        }
    }
    d
}

/// One character of a document number re-typed wrong: a digit or letter replaced (O for 0
/// included), two swapped, one dropped or doubled.
fn document_typo(s: &str, rng: &mut impl Rng) -> String {
    let mut c: Vec<char> = s.chars().collect();
    let positions: Vec<usize> = (0..c.len()).filter(|&i| c[i].is_ascii_alphanumeric()).collect();
    if positions.len() < 2 {
        return s.to_string();
    }
    let i = positions[rng.gen_range(1..positions.len())];
    match rng.gen_range(0..4) {
        0 if c[i] == '0' && rng.gen_bool(0.3) => c[i] = 'O',
        0 => c[i] = if c[i].is_ascii_digit() { char::from(b'0' + rng.gen_range(0..10u8)) } else { letter(rng) },
        1 => {
            let j = positions[positions.iter().position(|&p| p == i).unwrap_or(1) - 1];
            c.swap(i, j)
        }
        2 => {
            c.remove(i);
        }
        _ => c.insert(i, c[i]),
    }
    c.into_iter().collect()
}

fn phone(rng: &mut impl Rng) -> u32 {
    let prefix = [
        60, 62, 63, 65, 66, 67, 69, 70, 71, 73, 74, 75, 76, 77, 78, 79, 82, 83, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98,
        99,
    ];
    prefix[rng.gen_range(0..prefix.len())] * 1_000_000 + rng.gen_range(0..1_000_000)
}

/// How often registrations record the documents a person holds.
#[derive(Debug, Clone, Copy)]
pub struct Recording {
    /// Chance that the first registration records the travel document (laissez-passer, passport).
    pub first_travel: f64,
    /// Chance that the first registration records another document (NINA, consular card).
    pub first_other: f64,
    /// Chance that a later registration records each document.
    pub later: f64,
    /// Chance that the first registration records the filiation (parents' names).
    pub first_parents: f64,
    /// Chance that a later registration records the filiation.
    pub later_parents: f64,
}

impl Default for Recording {
    fn default() -> Self {
        Recording { first_travel: 0.85, first_other: 0.4, later: 0.4, first_parents: 0.75, later_parents: 0.75 }
    }
}

/// Share of persons who are the brother or sister of the person generated before them.
const SIBLINGS: f64 = 0.06;

/// Generates about `n` registrations from a seed.
pub fn generate(n: usize, seed: u64) -> Dataset {
    generate_with(n, seed, Recording::default())
}

/// Generates about `n` registrations from a seed, documents recorded as `recording` says.
pub fn generate_with(n: usize, seed: u64, recording: Recording) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut family_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_f11a_7101);
    let mut filiation_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_f11a_7102);
    let mut previous: Option<Person> = None;
    let surnames = Weighted::new(SURNAMES.iter().enumerate().map(|(i, s)| (i, s.1)));
    let male = Weighted::new(MALE.iter().enumerate().map(|(i, s)| (i, s.1)));
    let female = Weighted::new(FEMALE.iter().enumerate().map(|(i, s)| (i, s.1)));
    let places = Weighted::new(places());
    let errors = Weighted::new([
        (1u16, 24.0),
        (2, 10.0),
        (4, 12.0),
        (8, 8.0),
        (16, 22.0),
        (32, 12.0),
        (64, 10.0),
        (128, 5.0),
        (256, 4.0),
        (512, 5.0),
        (1024, 4.0),
    ]);
    let mut records = Vec::with_capacity(n + 8);
    let mut truth = Vec::with_capacity(n + 8);
    let mut errs = Vec::with_capacity(n + 8);
    let mut person_id = 0u32;
    let mut flight = None;
    while records.len() < n {
        let sex = if rng.gen_bool(0.72) { Sex::Male } else { Sex::Female };
        let month = rng.gen_range(1..=12u8);
        let mut p = Person {
            family: surnames.pick(&mut rng),
            given: if sex == Sex::Male { male.pick(&mut rng) } else { female.pick(&mut rng) },
            second: if rng.gen_bool(0.08) { SECOND.choose(&mut rng).copied() } else { None },
            sex,
            birth: BirthDate { year: rng.gen_range(1960..=2007), month, day: rng.gen_range(1..=28) },
            precision: match rng.gen::<f64>() {
                x if x < 0.55 => 0,
                x if x < 0.85 => 1,
                _ => 2,
            },
            phone: if rng.gen_bool(0.85) { Some(phone(&mut rng)) } else { None },
            place: places.pick(&mut rng),
            documents: documents(&mut flight, &mut rng),
            father: male.pick(&mut family_rng),
            mother: (female.pick(&mut family_rng), surnames.pick(&mut family_rng)),
        };
        if let Some(elder) = previous.as_ref().filter(|_| family_rng.gen_bool(SIBLINGS)) {
            sibling_of(&mut p, elder, &male, &female, &mut family_rng);
        }
        previous = Some(p.clone());
        let copies = match rng.gen::<f64>() {
            x if x < 0.70 => 1,
            x if x < 0.90 => 2,
            x if x < 0.97 => 3,
            _ => 4,
        };
        for copy in 0..copies {
            let mut mask = 0u16;
            if copy > 0 {
                let k = match rng.gen::<f64>() {
                    x if x < 0.45 => 1,
                    x if x < 0.80 => 2,
                    _ => 3,
                };
                for _ in 0..k {
                    mask |= errors.pick(&mut rng);
                }
            }
            let (mut record, mask) = register(&p, mask, copy == 0, recording, &mut rng);
            let parents = if copy == 0 { recording.first_parents } else { recording.later_parents };
            if filiation_rng.gen_bool(parents) {
                (record.father_name, record.mother_name) = filiation(&p, &mut filiation_rng);
            }
            records.push(record);
            truth.push(person_id);
            errs.push(mask);
        }
        person_id += 1;
    }
    // Shuffle so duplicates are not neighbours; ids in the new order.
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.shuffle(&mut rng);
    let mut out = Dataset { records: Vec::with_capacity(order.len()), truth: Vec::new(), errors: Vec::new() };
    for (new, &old) in order.iter().enumerate() {
        let mut r = std::mem::take(&mut records[old]);
        r.id = format!("R{:07}", new + 1);
        out.records.push(r);
        out.truth.push(truth[old]);
        out.errors.push(errs[old]);
    }
    out
}

/// Makes `p` a brother or sister of `elder`: same family name, parents and place, born a few
/// years apart, another given name; some share the family's phone.
fn sibling_of(p: &mut Person, elder: &Person, male: &Weighted<usize>, female: &Weighted<usize>, rng: &mut impl Rng) {
    p.family = elder.family;
    p.father = elder.father;
    p.mother = elder.mother;
    p.place = elder.place;
    let gap = rng.gen_range(1..=6u16);
    let year = if rng.gen_bool(0.5) { elder.birth.year + gap } else { elder.birth.year - gap };
    p.birth.year = year.clamp(1960, 2007);
    let names = if p.sex == Sex::Male { male } else { female };
    while p.sex == elder.sex && p.given == elder.given {
        p.given = names.pick(rng);
    }
    if rng.gen_bool(0.25) {
        p.phone = elder.phone;
    }
}

/// A spelling of one name from its variants: the usual one mostly, another sometimes, a typo
/// now and then, and the clerk's surface noise.
fn spelled(variants: &[&str], rng: &mut impl Rng) -> String {
    let mut name =
        if variants.len() > 1 && rng.gen_bool(0.2) { variants[rng.gen_range(1..variants.len())] } else { variants[0] }
            .to_string();
    if rng.gen_bool(0.04) {
        name = typo(&name, rng);
    }
    surface(&name, rng)
}

/// The filiation as one registration writes it: (father's given name, mother's name).
fn filiation(p: &Person, rng: &mut impl Rng) -> (String, String) {
    let father = spelled(MALE[p.father].0, rng);
    if rng.gen_bool(0.1) {
        // Only the father given.
        return (father, String::new());
    }
    let given = spelled(FEMALE[p.mother.0].0, rng);
    let mother = match rng.gen::<f64>() {
        x if x < 0.15 => given,
        x if x < 0.4 => format!("{} {given}", spelled(SURNAMES[p.mother.1].0, rng)),
        _ => format!("{given} {}", spelled(SURNAMES[p.mother.1].0, rng)),
    };
    (father, mother)
}

/// One registration of a person carrying the errors of `mask`; returns it with the errors it
/// really carries (a document error needs a document).
fn register(p: &Person, mut mask: u16, first: bool, recording: Recording, rng: &mut impl Rng) -> (Record, u16) {
    let fam_variants = SURNAMES[p.family].0;
    let giv_variants = if p.sex == Sex::Male { MALE[p.given].0 } else { FEMALE[p.given].0 };
    // Each registration of a person starts from the person's usual spelling (the first).
    let mut family = fam_variants[0].to_string();
    let mut given = giv_variants[0].to_string();
    if mask & 1 != 0 {
        if rng.gen_bool(0.5) && fam_variants.len() > 1 {
            family = fam_variants[rng.gen_range(1..fam_variants.len())].to_string();
        } else if giv_variants.len() > 1 {
            given = giv_variants[rng.gen_range(1..giv_variants.len())].to_string();
        } else {
            family = family.replace("ou", "u").replace('y', "i");
        }
    }
    if let Some(second) = p.second {
        given = format!("{given} {second}");
    }
    if mask & 32 != 0 {
        if rng.gen_bool(0.5) {
            family = typo(&family, rng);
        } else {
            given = typo(&given, rng);
        }
    }
    let mut birth = Some(p.birth);
    let mut precision = p.precision;
    if mask & 4 != 0 {
        precision = 1;
    }
    if mask & 8 != 0 {
        precision = 2;
    }
    if mask & 128 != 0 {
        let b = p.birth;
        birth = Some(match rng.gen_range(0..3) {
            0 if b.day <= 12 => BirthDate { month: b.day, day: b.month, ..b },
            1 => BirthDate { year: b.year + 1, ..b },
            _ => BirthDate { year: b.year - 1, ..b },
        });
    }
    let mut phone = p.phone;
    if mask & 16 != 0 {
        phone = Some(self::phone(rng));
    }
    let mut place = p.place;
    if mask & 256 != 0 {
        place.1 = "";
    }
    let mut sex = p.sex;
    if mask & 64 != 0 {
        match rng.gen_range(0..4) {
            0 => birth = None,
            1 => phone = None,
            2 => place = ("", ""),
            _ => sex = Sex::Unknown,
        }
    }
    let (family, given) = if mask & 2 != 0 { (given, family) } else { (family, given) };
    let date = birth.map(|b| match precision {
        0 => b,
        1 => BirthDate::year_only(b.year),
        _ => BirthDate::year_only(b.year),
    });
    let phone = phone
        .map(|p| match rng.gen_range(0..3) {
            0 => format!("+223 {:02} {:02} {:02} {:02}", p / 1_000_000, p / 10_000 % 100, p / 100 % 100, p % 100),
            1 => format!("{p:08}"),
            _ => format!("00223{p:08}"),
        })
        .unwrap_or_default();
    // Documents recorded: at arrival the travel document most of the time, the NINA sometimes;
    // later, each document less often.
    let mut docs: Vec<(&str, String)> = p
        .documents
        .iter()
        .filter(|(kind, _)| {
            let share = match (first, *kind) {
                (true, "laissez_passer" | "passport") => recording.first_travel,
                (true, _) => recording.first_other,
                (false, _) => recording.later,
            };
            rng.gen_bool(share)
        })
        .cloned()
        .collect();
    if docs.is_empty() {
        mask &= !(512 | 1024);
    } else {
        let i = rng.gen_range(0..docs.len());
        if mask & 512 != 0 {
            docs[i].1 = document_typo(&docs[i].1, rng);
        }
        if mask & 1024 != 0 {
            docs[i].1 = document_number(docs[i].0, rng);
        }
    }
    if docs.is_empty() && rng.gen_bool(0.02) {
        docs.push((
            ["passport", "nina", "laissez_passer"][rng.gen_range(0..3)],
            ["000000", "néant", "0"][rng.gen_range(0..3)].into(),
        ));
    }
    let document = docs
        .iter()
        .map(|(kind, number)| {
            // Printed with or without separators, in upper or lower case.
            let number = match rng.gen_range(0..4) {
                0 => number.replace('/', ""),
                1 => number.to_lowercase(),
                _ => number.clone(),
            };
            format!("{kind}:{number}")
        })
        .collect::<Vec<_>>()
        .join(";");
    let record = Record {
        id: String::new(),
        family_name: surface(&family, rng),
        given_name: surface(&given, rng),
        sex,
        birth: date,
        phone,
        region: place.0.to_string(),
        cercle: place.1.to_string(),
        document,
        father_name: String::new(),
        mother_name: String::new(),
    };
    (record, mask)
}

/// Writes a dataset as a CSV file in the default column layout (dates in mixed forms).
pub fn write_csv(d: &Dataset, path: &std::path::Path) -> std::io::Result<()> {
    use std::io::Write;
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(w, "record_id,family_name,given_name,sex,date_of_birth,phone,region,cercle,father_name,mother_name")?;
    for (i, r) in d.records.iter().enumerate() {
        let date = match r.birth {
            None => String::new(),
            Some(b) if !b.is_precise() => {
                if i % 2 == 0 {
                    format!("{}", b.year)
                } else {
                    format!("01/01/{}", b.year)
                }
            }
            Some(b) if i % 2 == 0 => format!("{}-{:02}-{:02}", b.year, b.month, b.day),
            Some(b) => format!("{:02}/{:02}/{}", b.day, b.month, b.year),
        };
        let sex = match r.sex {
            Sex::Male => "M",
            Sex::Female => "F",
            Sex::Unknown => "",
        };
        let q = |s: &str| if s.contains(',') { format!("\"{s}\"") } else { s.to_string() };
        writeln!(
            w,
            "{},{},{},{},{},{},{},{},{},{}",
            r.id,
            q(&r.family_name),
            q(&r.given_name),
            sex,
            date,
            r.phone,
            q(&r.region),
            q(&r.cercle),
            q(&r.father_name),
            q(&r.mother_name)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cnrm_match::normalize::parse_documents;

    /// Documents are filled at the rates the module states, a document error is tagged only on a
    /// registration that carries a document, and the harness's other difficulties stay.
    #[test]
    fn documents_are_filled_as_stated_and_errors_tagged_honestly() {
        let d = generate(20_000, 3);
        let n = d.records.len() as f64;
        let with = d.records.iter().filter(|r| !parse_documents(&r.document).is_empty()).count() as f64;
        assert!((0.40..0.65).contains(&(with / n)), "share with a document {}", with / n);
        for (r, &mask) in d.records.iter().zip(&d.errors) {
            if mask & (512 | 1024) != 0 {
                assert!(!r.document.is_empty(), "{r:?} tagged {mask}");
            }
            for part in r.document.split(';').filter(|p| !p.is_empty()) {
                let kind = part.split_once(':').map(|(k, _)| k).unwrap_or("");
                assert!(["nina", "passport", "laissez_passer", "consular_card"].contains(&kind), "{part}");
            }
        }
        let tagged = |bit: u16| d.errors.iter().filter(|&&m| m & bit != 0).count();
        assert!(tagged(512) > 50 && tagged(1024) > 50, "document errors {} {}", tagged(512), tagged(1024));
        // Year-only dates, new phones and name variants are still generated.
        assert!(tagged(4) > 200 && tagged(16) > 500 && tagged(1) > 500);
        // Recording everything at every registration fills more.
        let all = generate_with(
            20_000,
            3,
            Recording { first_travel: 1.0, first_other: 1.0, later: 1.0, ..Recording::default() },
        );
        let with_all = all.records.iter().filter(|r| !r.document.is_empty()).count() as f64;
        assert!(with_all > with, "{with_all} vs {with}");
    }

    /// The filiation is recorded at the stated rate, siblings share it (and their family name and
    /// place) under other given names, and the rate of recording changes nothing else.
    #[test]
    fn filiation_and_siblings_are_generated_as_stated() {
        let d = generate(20_000, 5);
        let n = d.records.len() as f64;
        let with = d.records.iter().filter(|r| !r.father_name.is_empty()).count() as f64;
        assert!((0.70..0.80).contains(&(with / n)), "share with a father {}", with / n);
        let mothers = d.records.iter().filter(|r| !r.mother_name.is_empty()).count() as f64;
        assert!(mothers < with && mothers > 0.8 * with, "{mothers} mothers, {with} fathers");
        // Siblings: records of different persons with one family name, one place and the same
        // parents as written in the usual spelling.
        let mut families: std::collections::HashMap<(String, String, String), std::collections::HashSet<u32>> =
            std::collections::HashMap::new();
        for (r, &person) in d.records.iter().zip(&d.truth) {
            if !r.father_name.is_empty() && r.mother_name.contains(' ') {
                let key = (fold(&r.family_name), fold(&r.father_name), fold(&r.mother_name) + &fold(&r.cercle));
                families.entry(key).or_default().insert(person);
            }
        }
        let shared = families.values().filter(|persons| persons.len() > 1).count();
        assert!(shared > 50, "{shared} families with two persons");
        let none =
            generate_with(20_000, 5, Recording { first_parents: 0.0, later_parents: 0.0, ..Recording::default() });
        assert!(none.records.iter().all(|r| r.father_name.is_empty() && r.mother_name.is_empty()));
        assert_eq!(none.records.len(), d.records.len());
        for (a, b) in none.records.iter().zip(&d.records) {
            assert_eq!(a, &Record { father_name: String::new(), mother_name: String::new(), ..b.clone() });
        }
    }

    fn fold(s: &str) -> String {
        cnrm_match::normalize::fold(s)
    }
}
