from orchestrator.bench.run import main

main()
