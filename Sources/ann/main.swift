import ANNCommandLine

ANNCommand.main()
