//! Order-preserving parallel map on rayon's pool: the sections of a large runbook and
//! the files of a playbook directory are independent of each other. The pool's threads
//! outlive one call, so their allocator caches stay warm from one parse to the next.

use rayon::prelude::*;

/// `items.iter().map(f).collect()`, on rayon's threads once there are at least
/// `min_parallel` items (below that, handing work over costs more than it saves).
pub fn map<T, R, F>(items: &[T], min_parallel: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync + Send,
{
    if threads() < 2 || items.len() < min_parallel.max(2) {
        return items.iter().map(f).collect();
    }
    items.par_iter().map(f).collect()
}

/// Drops a large vector on every core: freeing many small allocations is a measurable
/// part of parsing a large document, and otherwise runs on one thread.
pub fn drop_all<T: Send>(items: Vec<T>, min_parallel: usize) {
    if threads() < 2 || items.len() < min_parallel {
        return;
    }
    items.into_par_iter().for_each(drop);
}

/// How many threads `map` uses at most.
pub fn threads() -> usize {
    rayon::current_num_threads()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order() {
        let items: Vec<usize> = (0..1000).collect();
        let doubled = super::map(&items, 10, |x| x * 2);
        assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(super::map(&[1, 2], 10, |x| x + 1), vec![2, 3]);
    }
}
