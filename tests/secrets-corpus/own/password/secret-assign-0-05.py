conn = connect(host='db', user='app', password='tHF4vUCsMehGAk')
