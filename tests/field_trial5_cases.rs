//! Fifth field trial: cases that ran in a row. Scenario headings whose steps are
//! numbered items (U1), `Caso N` headings with Cause / Solution labels (U2), `Solución N`
//! headings with a `(Si …)` aside (U3); runbooks split into their role parts (W2) and
//! severities that were not read (W6). Every document here is self-written.

mod field_graph;
use field_graph::{
    avoidable, decisions, labels, parse_one as parse, step_running_part as by_command,
};

#[test]
fn scenario_headings_whose_steps_are_numbered_items_are_a_choice() {
    let p = parse(
        "# Queue stalled\n## Symptoms\n- Jobs pile up\n## Response\n\
         ### Scenario 1: Slow consumer\n1. **Look at the consumers:**\n\
         \x20  ```bash\n   rabbitmqctl list_consumers\n   ```\n\
         ### Scenario 2: Poisoned messages\n1. **Purge the queue:**\n\
         \x20  ```bash\n   rabbitmqctl purge_queue jobs\n   ```\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1, "{:#?}", p.nodes);
    assert_eq!(
        labels(d[0]),
        vec![
            "Scenario 1: Slow consumer",
            "Scenario 2: Poisoned messages",
            "None of these"
        ]
    );
    assert!(avoidable(&p, &by_command(&p, "purge_queue").id));
    // Spanish, with the block written inside a bullet item.
    let p = parse(
        "# Cola detenida\n## Síntomas\n- Se acumulan trabajos\n## Respuesta\n\
         ### Escenario A: consumidor lento\n- **Ver los consumidores:**\n\
         \x20 ```bash\n  rabbitmqctl list_consumers\n  ```\n\
         ### Escenario B: mensajes envenenados\n- Purgar la cola: `rabbitmqctl purge_queue jobs`\n",
    );
    let d = decisions(&p);
    assert_eq!(d.len(), 1, "{:#?}", p.nodes);
    assert_eq!(labels(d[0]).last(), Some(&"Ninguno"));
    assert!(avoidable(&p, &by_command(&p, "purge_queue").id));
}
