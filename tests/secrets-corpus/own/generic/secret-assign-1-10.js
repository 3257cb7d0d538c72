const accessToken = "JbW56eCuNGMGmSrCGI";
