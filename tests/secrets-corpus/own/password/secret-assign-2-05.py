conn = connect(host='db', user='app', password='wlavyfErGPmpGXafq0fjzL')
