"""Where partnerbot keeps a program's data: models, migrations, importers, loaders and recorders."""
