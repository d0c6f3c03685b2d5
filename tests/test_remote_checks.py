"""System checks for the feed, the JWKS lifetime and remote servers."""

from m2m_auth.oauth.remote_checks import LOCAL_CLASSES, REMOTE_CLASSES, check_feed_settings, check_remote_credentials


def ids(messages):
    return sorted(message.id for message in messages)


def test_defaults_pass(settings):
    assert check_feed_settings() == [] and check_remote_credentials() == []


def test_bad_numbers_and_a_cache_longer_than_the_feed_remembers(settings):
    settings.M2M_AUTH = {**settings.M2M_AUTH, "JWKS_MAX_AGE": -1, "REMOTE_FEED_REFUSE_AFTER": "soon",
                         "REMOTE_INTROSPECTION_CACHE_SECONDS": 7200}
    assert ids(check_feed_settings()) == ["m2m_auth.E060", "m2m_auth.E060", "m2m_auth.E061"]


def test_remote_classes_need_credentials_and_local_ones_are_useless_remotely(settings):
    settings.M2M_AUTH = {**settings.M2M_AUTH, "REMOTE_ISSUER": "https://auth.example.com"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_AUTHENTICATION_CLASSES": [REMOTE_CLASSES[0], LOCAL_CLASSES[0]]}
    assert ids(check_remote_credentials()) == ["m2m_auth.E062", "m2m_auth.W060"]
    settings.M2M_AUTH = {**settings.M2M_AUTH, "REMOTE_CLIENT_ID": "id", "REMOTE_CLIENT_SECRET": "secret"}
    assert ids(check_remote_credentials()) == ["m2m_auth.W060"]
