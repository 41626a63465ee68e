//! Pure graph walking: (graph, node, outcome) → next node. Never spawns.
// OWNER: interpreter helper. Stub until implemented.
