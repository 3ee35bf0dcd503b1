"""The shared floor below the apps: helpers every app may use; no models, imports no app."""
