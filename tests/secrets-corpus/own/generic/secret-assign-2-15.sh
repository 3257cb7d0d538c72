curl -u admin:Vsqxezy3Lex7BWr2drgd1Q https://registry.internal/v2/
