from reportsite.cli.main import main

raise SystemExit(main())
