-- POSTs a form-encoded NA login with the application ID and secret from the environment.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "appId=" .. os.getenv("APP_ID") .. "&secret=" .. os.getenv("APP_SECRET")
