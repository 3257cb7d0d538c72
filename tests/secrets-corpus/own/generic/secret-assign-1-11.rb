config.secret_key_base = 'pSH4487q7J58m1CiAh'
