//! Clustering: from matched pairs to persons.
//!
//! Matched pairs are joined into persons by connected components, strongest links first. Plain
//! connected components chain: one weak link between two unrelated families of registrations
//! (two Mamadou Traoré of Kayes born the same year) would make them one person. The guard: two
//! groups of more than one registration are joined only when, over all the pairs across them, the
//! average match probability is at least `min_mean_probability`, and never beyond `max_size`.

/// The guard against chaining.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guard {
    pub min_mean_probability: f64,
    /// No person gets more registrations than this.
    pub max_size: usize,
}

impl Default for Guard {
    fn default() -> Self {
        Guard { min_mean_probability: 0.5, max_size: 30 }
    }
}

/// A link between two records (indices), with its match weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    pub a: u32,
    pub b: u32,
    pub weight: f32,
}

/// Groups `n` records into persons. `probability(a, b)` scores any pair (used by the guard for
/// the pairs across two groups that are not links). Returns the person index of each record,
/// numbered 0.. in order of first record.
pub fn cluster(n: usize, links: &[Link], guard: Guard, probability: impl Fn(u32, u32) -> f64) -> Vec<u32> {
    let mut order: Vec<&Link> = links.iter().collect();
    order.sort_by(|x, y| y.weight.total_cmp(&x.weight).then((x.a, x.b).cmp(&(y.a, y.b))));
    let mut root: Vec<u32> = (0..n as u32).collect();
    let mut members: Vec<Vec<u32>> = Vec::new();
    // members of a root are allocated lazily: index into `members` via `slot`.
    let mut slot: Vec<u32> = vec![u32::MAX; n];
    for link in order {
        let (ra, rb) = (root[link.a as usize], root[link.b as usize]);
        if ra == rb {
            continue;
        }
        let size = |r: u32, slot: &Vec<u32>, members: &Vec<Vec<u32>>| {
            if slot[r as usize] == u32::MAX {
                1
            } else {
                members[slot[r as usize] as usize].len()
            }
        };
        let (sa, sb) = (size(ra, &slot, &members), size(rb, &slot, &members));
        if sa + sb > guard.max_size {
            continue;
        }
        let list = |r: u32, slot: &Vec<u32>, members: &Vec<Vec<u32>>| -> Vec<u32> {
            if slot[r as usize] == u32::MAX {
                vec![r]
            } else {
                members[slot[r as usize] as usize].clone()
            }
        };
        if sa > 1 || sb > 1 {
            let (la, lb) = (list(ra, &slot, &members), list(rb, &slot, &members));
            let mut sum = 0.0;
            for &x in &la {
                for &y in &lb {
                    sum += probability(x, y);
                }
            }
            if sum / ((la.len() * lb.len()) as f64) < guard.min_mean_probability {
                continue;
            }
        }
        // Merge the smaller group into the larger.
        let (big, small) = if sa >= sb { (ra, rb) } else { (rb, ra) };
        let moved = list(small, &slot, &members);
        if slot[small as usize] != u32::MAX {
            members[slot[small as usize] as usize] = Vec::new();
        }
        if slot[big as usize] == u32::MAX {
            slot[big as usize] = members.len() as u32;
            members.push(vec![big]);
        }
        for &m in &moved {
            root[m as usize] = big;
        }
        members[slot[big as usize] as usize].extend(moved);
    }
    let mut person = vec![u32::MAX; n];
    let mut next = 0u32;
    let mut labels = vec![0u32; n];
    for i in 0..n {
        let r = root[i] as usize;
        if person[r] == u32::MAX {
            person[r] = next;
            next += 1;
        }
        labels[i] = person[r];
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strong(a: u32, b: u32) -> Link {
        Link { a, b, weight: 20.0 }
    }

    #[test]
    fn guard_stops_chaining_through_one_weak_link() {
        // Two persons of three registrations each, joined by a single weak link 2–3.
        let links = vec![
            strong(0, 1),
            strong(1, 2),
            strong(0, 2),
            strong(3, 4),
            strong(4, 5),
            strong(3, 5),
            Link { a: 2, b: 3, weight: 1.0 },
        ];
        let same = |x: u32, y: u32| (x < 3) == (y < 3);
        let prob = |x: u32, y: u32| {
            if same(x, y) {
                0.99
            } else if (x, y) == (2, 3) || (x, y) == (3, 2) {
                0.6
            } else {
                0.01
            }
        };
        let labels = cluster(6, &links, Guard::default(), prob);
        assert_eq!(labels, vec![0, 0, 0, 1, 1, 1]);
        // Without the guard, plain connected components make one person.
        let loose = Guard { min_mean_probability: 0.0, max_size: 100 };
        assert_eq!(cluster(6, &links, loose, prob), vec![0; 6]);
    }

    #[test]
    fn a_true_chain_is_kept() {
        // 0–1 strong, 1–2 strong, 0–2 below threshold (say, a missing date): still one person.
        let links = vec![strong(0, 1), Link { a: 1, b: 2, weight: 10.0 }];
        let prob = |x: u32, y: u32| if (x.min(y), x.max(y)) == (0, 2) { 0.3 } else { 0.99 };
        assert_eq!(cluster(4, &links, Guard::default(), prob), vec![0, 0, 0, 1]);
    }

    #[test]
    fn size_cap() {
        let links: Vec<Link> = (0..9).map(|i| strong(i, i + 1)).collect();
        let labels = cluster(10, &links, Guard { min_mean_probability: 0.0, max_size: 5 }, |_, _| 1.0);
        assert!(labels.iter().filter(|&&l| l == labels[0]).count() <= 5);
    }
}
