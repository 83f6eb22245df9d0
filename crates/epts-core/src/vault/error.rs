//! Why a vault operation failed, in words a person can act on. Nothing here carries a key.

use crate::Code;
use crate::lang::{Lang, Localized};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("no vault at {0}")]
    NotFound(PathBuf),
    #[error("a vault already exists at {0}")]
    AlreadyExists(PathBuf),
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// The key (from the passphrase or the keyring) does not open the database: the database
    /// file was replaced or its first page is damaged.
    #[error("the key does not open the database")]
    WrongKey,
    #[error("the vault's database {0} is missing")]
    DatabaseMissing(PathBuf),
    #[error("passphrase too short")]
    WeakPassphrase,
    #[error("vault header unreadable: {0}")]
    BadHeader(String),
    /// A vault or backup header asks for more Argon2id work than the app ever writes
    /// (see `KdfParams::MAX`): refused before any key derivation.
    #[error("the header asks for too costly a key derivation (m = {m_kib} KiB, t = {t}, p = {p})")]
    KdfTooCostly { m_kib: u32, t: u32, p: u32 },
    #[error("vault format {0} is newer than this app")]
    TooNew(u32),
    #[error("database: {0}")]
    Database(String),
    #[error("document {0} not found")]
    NoSuchDocument(i64),
    #[error("record {0} not found")]
    NoSuchRecord(String),
    /// A blob failed authentication: flipped bytes, a swapped file, or a missing one.
    #[error("document {id} ({name}) is damaged")]
    Damaged { id: i64, name: String },
    #[error("file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("file {path} is larger than {limit} bytes")]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("no OS keyring: {0}")]
    KeyringUnavailable(String),
    #[error("the vault key is not in the OS keyring")]
    KeyNotInKeyring,
    #[error("the vault has no passphrase")]
    NoPassphraseSet,
    #[error("the vault's passphrase is needed")]
    PassphraseNeeded,
    #[error("backup unreadable: {0}")]
    BadBackup(String),
}

impl VaultError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| VaultError::Io { path, source }
    }
}

impl From<rusqlite::Error> for VaultError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            // A full disk is the user's to fix, not damage: say so, as for any other file.
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull => {
                VaultError::Io {
                    path: PathBuf::from("vault.db"),
                    source: std::io::ErrorKind::StorageFull.into(),
                }
            }
            _ => VaultError::Database(e.to_string()),
        }
    }
}

impl Localized for VaultError {
    fn code(&self) -> Code {
        match self {
            VaultError::NotFound(_) => Code::VaultNotFound,
            VaultError::AlreadyExists(_) => Code::VaultExists,
            VaultError::WrongPassphrase => Code::WrongPassphrase,
            VaultError::WrongKey => Code::WrongKey,
            VaultError::DatabaseMissing(_) => Code::VaultDatabaseMissing,
            VaultError::WeakPassphrase => Code::WeakPassphrase,
            VaultError::BadHeader(_) => Code::VaultHeaderDamaged,
            VaultError::KdfTooCostly { .. } => Code::KdfCostTooHigh,
            VaultError::TooNew(_) => Code::VaultTooNew,
            VaultError::Database(_) => Code::VaultDatabaseError,
            VaultError::NoSuchDocument(_) => Code::DocumentNotFound,
            VaultError::NoSuchRecord(_) => Code::RecordNotFound,
            VaultError::Damaged { .. } => Code::DocumentDamaged,
            VaultError::Io { source, .. }
                if source.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                Code::VaultReadOnly
            }
            VaultError::Io { source, .. } if source.kind() == std::io::ErrorKind::StorageFull => {
                Code::DiskFull
            }
            VaultError::Io { .. } => Code::VaultIoError,
            VaultError::TooLarge { .. } => Code::FileTooLarge,
            VaultError::Invalid(_) => Code::InvalidInput,
            VaultError::KeyringUnavailable(_) => Code::KeyringUnavailable,
            VaultError::KeyNotInKeyring => Code::KeyNotInKeyring,
            VaultError::NoPassphraseSet => Code::NoPassphraseSet,
            VaultError::PassphraseNeeded => Code::PassphraseNeeded,
            VaultError::BadBackup(_) => Code::BackupUnreadable,
        }
    }

    fn message(&self, lang: Lang) -> String {
        let ru = lang == Lang::Ru;
        match self {
            VaultError::NotFound(p) => if ru {
                format!("Архив в папке {} не найден. Создайте его («epts vault init») или укажите другую папку.", p.display())
            } else {
                format!("No archive in {}. Create one (`epts vault init`) or point to another folder.", p.display())
            },
            VaultError::AlreadyExists(p) => if ru {
                format!("В папке {} уже есть архив; он не изменён. Откройте его или выберите пустую папку.", p.display())
            } else {
                format!("{} already holds an archive; it was left as it is. Open it or choose an empty folder.", p.display())
            },
            VaultError::WrongPassphrase => lang.pick(
                "Неверная парольная фраза. Проверьте раскладку и Caps Lock; архив не изменён.",
                "Wrong passphrase. Check the keyboard layout and Caps Lock; the archive is unchanged.",
            ).into(),
            VaultError::WrongKey => lang.pick(
                "Ключ архива не подходит к его базе (vault.db): файл базы заменён другим или повреждён. Документы не тронуты; восстановите vault.db из резервной копии.",
                "The archive's key does not open its database (vault.db): the file was replaced or is damaged. The documents are untouched; restore vault.db from a backup.",
            ).into(),
            VaultError::DatabaseMissing(p) => if ru {
                format!("В архиве нет файла базы {}: документы без него не найти. Ничего не удалено; верните файл (корзина, резервная копия, папка синхронизации) и откройте архив снова.", p.display())
            } else {
                format!("The archive's database {} is missing: without it the documents cannot be found. Nothing was deleted; bring the file back (trash, backup, sync folder) and open the archive again.", p.display())
            },
            VaultError::WeakPassphrase => lang.pick(
                "Парольная фраза слишком короткая: нужно не меньше 8 символов. Лучше — несколько слов.",
                "The passphrase is too short: at least 8 characters. Several words are better.",
            ).into(),
            VaultError::BadHeader(_) => lang.pick(
                "Служебный файл архива (vault.json) повреждён. Восстановите архив из резервной копии.",
                "The archive's header file (vault.json) is damaged. Restore the archive from a backup.",
            ).into(),
            VaultError::KdfTooCostly { m_kib, t, p } => if ru {
                format!("Чтобы открыть этот файл, нужно слишком много работы: его заголовок просит {} МиБ памяти, {t} проходов и {p} потоков (ePTS Desktop никогда не просит больше 1024 МиБ, 10 и 16). Скорее всего, файл создан не ePTS Desktop или повреждён; он не открывался, ничего не изменено. Для резервной копии выберите другой файл .eptsbak; для архива восстановите его vault.json из резервной копии.", m_kib / 1024)
            } else {
                format!("Opening this file would take too much work: its header asks for {} MiB of memory, {t} passes and {p} lanes (ePTS Desktop never asks for more than 1024 MiB, 10 and 16). It was most likely not made by ePTS Desktop, or is damaged; it was not opened and nothing changed. For a backup, choose another .eptsbak file; for an archive, restore its vault.json from a backup.", m_kib / 1024)
            },
            VaultError::TooNew(v) => if ru {
                format!("Архив создан более новой версией приложения (формат {v}). Обновите приложение.")
            } else {
                format!("The archive was made by a newer version of the app (format {v}). Update the app.")
            },
            VaultError::Database(_) => lang.pick(
                "База архива не открывается или повреждена. Проверьте архив командой «epts vault verify»; при повреждении восстановите его из резервной копии.",
                "The archive database cannot be read or is damaged. Check it with `epts vault verify`; if damaged, restore from a backup.",
            ).into(),
            VaultError::NoSuchDocument(id) => if ru {
                format!("Документа №{id} нет в архиве. Обновите список.")
            } else {
                format!("Document #{id} is not in the archive. Refresh the list.")
            },
            VaultError::NoSuchRecord(n) => if ru {
                format!("ЭПТС {n} нет в архиве. Синхронизируйте архив с порталом.")
            } else {
                format!("ePTS {n} is not in the archive. Sync the archive with the portal.")
            },
            VaultError::Damaged { id, name } => if ru {
                format!("Документ №{id} «{name}» повреждён или подменён: его нельзя прочитать. Остальные документы в порядке; восстановите этот из резервной копии или загрузите заново.")
            } else {
                format!("Document #{id} «{name}» is damaged or was replaced: it cannot be read. Other documents are fine; restore this one from a backup or download it again.")
            },
            VaultError::Io { path, source } => match (source.kind(), ru) {
                (std::io::ErrorKind::PermissionDenied, true) => format!("Нет прав на запись в {}. Выберите другую папку для архива или измените права.", path.display()),
                (std::io::ErrorKind::PermissionDenied, false) => format!("No permission to write to {}. Choose another folder for the archive or change the permissions.", path.display()),
                (std::io::ErrorKind::StorageFull, true) => format!("На диске нет места для {}. Освободите место и повторите; архив не повреждён.", path.display()),
                (std::io::ErrorKind::StorageFull, false) => format!("The disk is full ({}). Free some space and retry; the archive is intact.", path.display()),
                (_, true) => format!("Ошибка файла {}: {source}. Повторите операцию; архив не изменён.", path.display()),
                (_, false) => format!("File error {}: {source}. Retry; the archive is unchanged.", path.display()),
            },
            VaultError::TooLarge { path, limit } => if ru {
                format!("Файл {} больше {} МБ и не будет помещён в архив.", path.display(), limit / (1024 * 1024))
            } else {
                format!("File {} is larger than {} MB and will not be put into the archive.", path.display(), limit / (1024 * 1024))
            },
            VaultError::KeyringUnavailable(_) => lang.pick(
                "Системное хранилище ключей недоступно (так бывает на сервере или в ограниченной учётной записи). Защитите архив парольной фразой.",
                "The OS keyring is not available (as on a server or a restricted account). Protect the archive with a passphrase.",
            ).into(),
            VaultError::KeyNotInKeyring => lang.pick(
                "Ключа этого архива нет в системном хранилище (архив перенесён с другого компьютера?). Откройте его парольной фразой.",
                "This archive's key is not in the OS keyring (was it moved from another computer?). Open it with its passphrase.",
            ).into(),
            VaultError::NoPassphraseSet => lang.pick(
                "У этого архива нет парольной фразы: он открывается ключом из системного хранилища. Задайте фразу в настройках, чтобы открыть архив на другом компьютере.",
                "This archive has no passphrase: it opens with the key in the OS keyring. Set a passphrase in Settings to open it on another computer.",
            ).into(),
            VaultError::PassphraseNeeded => lang.pick(
                "Архив заперт: введите его парольную фразу.",
                "The archive is locked: enter its passphrase.",
            ).into(),
            VaultError::BadBackup(_) => lang.pick(
                "Файл не читается как резервная копия архива ePTS Desktop (другой файл или повреждено начало). Выберите файл .eptsbak, созданный приложением.",
                "The file cannot be read as an ePTS Desktop archive backup (another file, or its beginning is damaged). Choose an .eptsbak file made by the app.",
            ).into(),
            VaultError::Invalid(what) => if ru {
                format!("Неверные данные: {what}.")
            } else {
                format!("Invalid input: {what}.")
            },
        }
    }
}
