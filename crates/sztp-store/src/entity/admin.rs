//! Entities of the system-wide tables: administrators and preferences.

/// Table `administrators`.
pub(crate) mod administrator {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "administrators")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub login: String,
        pub email: String,
        pub password_hash: Option<String>,
        pub client_cert_der: Option<Vec<u8>>,
        pub access_level: String,
        pub tenants: String,
        pub failed_logins: i32,
        pub locked_until: Option<i64>,
        pub password_changed_at: Option<i64>,
        pub last_login: Option<i64>,
        pub created_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Table `preferences` (a single row, id 1).
pub(crate) mod preferences {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "preferences")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        pub min_password_length: i32,
        pub password_max_age_days: Option<i32>,
        pub lockout_threshold: i32,
        pub lockout_duration_secs: i64,
        pub updated_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
