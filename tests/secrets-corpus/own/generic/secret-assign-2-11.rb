config.secret_key_base = 'VStNKiaEdFrRgSnRFsTHsD'
