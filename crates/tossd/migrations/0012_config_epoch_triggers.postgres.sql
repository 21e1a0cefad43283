-- Every statement that changes a cached table bumps the configuration epoch in its transaction. TRUNCATE
-- (reset) fires no row triggers, so it is listed too.
CREATE FUNCTION bump_config_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE config_epoch SET epoch = epoch + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER apps_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON apps
    FOR EACH STATEMENT EXECUTE FUNCTION bump_config_epoch();
CREATE TRIGGER app_certificates_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON app_certificates
    FOR EACH STATEMENT EXECUTE FUNCTION bump_config_epoch();
CREATE TRIGGER merchants_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON merchants
    FOR EACH STATEMENT EXECUTE FUNCTION bump_config_epoch();
CREATE TRIGGER merchant_keys_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON merchant_keys
    FOR EACH STATEMENT EXECUTE FUNCTION bump_config_epoch();
CREATE TRIGGER instance_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON instance
    FOR EACH STATEMENT EXECUTE FUNCTION bump_config_epoch();
