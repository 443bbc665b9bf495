from backstride.cli import main

main()
