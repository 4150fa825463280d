-- The current version of each user (see stg_kvantum__user_versions).
{{ current_version(ref('stg_kvantum__user_versions')) }}
