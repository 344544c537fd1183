from netpath.cli.app import main

main()
