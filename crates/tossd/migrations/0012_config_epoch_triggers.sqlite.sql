-- Every insert, update or delete of a cached table bumps the configuration epoch in its transaction.
-- (SQLite has row triggers only; reset deletes rows, so it bumps too.)
CREATE TRIGGER apps_epoch_insert AFTER INSERT ON apps BEGIN UPDATE config_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER apps_epoch_update AFTER UPDATE ON apps BEGIN UPDATE config_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER apps_epoch_delete AFTER DELETE ON apps BEGIN UPDATE config_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER app_certificates_epoch_insert AFTER INSERT ON app_certificates BEGIN UPDATE config_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER app_certificates_epoch_update AFTER UPDATE ON app_certificates BEGIN UPDATE config_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER app_certificates_epoch_delete AFTER DELETE ON app_certificates BEGIN UPDATE config_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER merchants_epoch_insert AFTER INSERT ON merchants BEGIN UPDATE config_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER merchants_epoch_update AFTER UPDATE ON merchants BEGIN UPDATE config_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER merchants_epoch_delete AFTER DELETE ON merchants BEGIN UPDATE config_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER merchant_keys_epoch_insert AFTER INSERT ON merchant_keys BEGIN UPDATE config_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER merchant_keys_epoch_update AFTER UPDATE ON merchant_keys BEGIN UPDATE config_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER merchant_keys_epoch_delete AFTER DELETE ON merchant_keys BEGIN UPDATE config_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER instance_epoch_insert AFTER INSERT ON instance BEGIN UPDATE config_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER instance_epoch_update AFTER UPDATE ON instance BEGIN UPDATE config_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER instance_epoch_delete AFTER DELETE ON instance BEGIN UPDATE config_epoch SET epoch = epoch + 1 WHERE id = 1; END;
