from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # Built without blocking evaluators' submissions (issue 17).
    atomic = False

    dependencies = [
        ('evaluation', '0006_field_verbose_names'),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='scorecard',
            index=models.Index(condition=models.Q(('state', 'submitted'), ('submitted_at__isnull', False)), fields=['city', '-submitted_at', '-id'], name='scorecard_submitted_idx'),
        ),
    ]
