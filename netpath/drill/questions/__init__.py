"""The question builders of `netpath drill`, one module per kind (`path`, `rules`, `reachable`,
`fault`, `design`, `capacity`), what they share (`common`) and the setup they show (`setup`)."""
