from reportsite.cli.start import main

if __name__ == "__main__":  # not when a worker process (pages.workers) imports the main module
    raise SystemExit(main())
