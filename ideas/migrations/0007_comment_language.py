"""``Comment.language``: the language a comment was written in (issue 20, §4).

Existing comments take their idea's language, the best guess there is: people
mostly answer in the language of what they read. The copy runs with
``civicideas.all_cities`` on, since row-level security (forced, also for the
table owner) would otherwise hide every row from the migration.
"""

from django.db import migrations, models

LANGUAGES = [("en", "English"), ("fr", "French"), ("nl", "Dutch")]

COPY_IDEA_LANGUAGE = """
SELECT set_config('civicideas.all_cities', 'on', true);
UPDATE ideas_comment AS c SET language = i.language
    FROM ideas_idea AS i WHERE i.id = c.idea_id AND c.language IS NULL;
SELECT set_config('civicideas.all_cities', '', true);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("ideas", "0006_challenge_idea_comment_lock_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="language",
            field=models.CharField(
                choices=LANGUAGES, max_length=8, null=True, verbose_name="language"
            ),
        ),
        migrations.RunSQL(COPY_IDEA_LANGUAGE, reverse_sql=migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="comment",
            name="language",
            field=models.CharField(choices=LANGUAGES, max_length=8, verbose_name="language"),
        ),
    ]
